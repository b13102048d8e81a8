import AsyncHTTPClient
import NIOSSL
import NIOCore
import SwrunOS

/// A user name and password for one registry.
public struct Credentials: Hashable, Sendable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// A client of one registry's OCI distribution API (`/v2/`): manifests, blobs,
/// uploads, catalog and tags, with anonymous, Basic and Bearer auth.
///
/// One client talks to one registry (and, for docker.io, its configured mirrors) over
/// one shared `HTTPClient`, so connections and tokens are reused across a whole pull
/// or push. Call `shutdown()` when done: the HTTP client's event loops and pooled
/// connections are released there (a debug build traps if it is never called).
public final class RegistryClient: Sendable {
    /// The registry as named in references: `docker.io`, `localhost:5000`.
    public let registry: String
    /// The scheme and mirror settings in force.
    public let config: RegistryConfig
    let credentials: Credentials?
    let http: HTTPClient
    let cache = TokenCache()
    /// Where requests go, mirrors first (see `RegistryConfig.endpoints(for:)`).
    let endpoints: [Endpoint]

    /// Attempts for an idempotent request that fails to connect or gets a 5xx.
    static let maximumAttempts = 4
    /// Redirect hops followed for one request.
    static let maximumRedirects = 10
    /// The deadline of API requests that carry no blob (manifests, tags, auth).
    static let apiTimeout = TimeAmount.minutes(5)

    /// A client for `registry` (a reference's domain), with `credentials` if the user
    /// has some for it (see `CredentialStore.credentials(for:)`).
    public init(registry: String, config: RegistryConfig = RegistryConfig(), credentials: Credentials? = nil) {
        self.registry = registry
        self.config = config
        self.credentials = credentials
        self.endpoints = config.endpoints(for: registry)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // Connect is bounded; reads only by idleness, so a slow multi-GB blob is
            // never cut off by an overall deadline while it still makes progress.
            timeout: .init(connect: .seconds(30), read: .seconds(300)),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        // The pool would otherwise retry a refused connection until the request's
        // deadline; `send` retries with its own short backoff and then reports.
        configuration.connectionPool.retryConnectionEstablishment = false
        // certs.d CAs of the registry and its mirrors, trusted on top of the system's.
        let authorities = endpoints.flatMap { config.caCertificates(for: $0.host) }
        if !authorities.isEmpty {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = authorities.map { .file($0) }
            configuration.tlsConfiguration = tls
        }
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// A client for `registry` using the credentials `store` holds for it.
    public convenience init(registry: String, config: RegistryConfig = RegistryConfig(), credentialStore store: CredentialStore) throws {
        self.init(registry: registry, config: config, credentials: try store.credentials(for: registry))
    }

    /// Closes pooled connections and stops the HTTP client. A failure here cannot
    /// be acted on by the caller, so it is swallowed rather than thrown.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// The registry endpoint itself (no mirror): where pushes and the catalog go.
    var primary: Endpoint { endpoints[endpoints.count - 1] }

    /// Runs `body` against each mirror in order, then the registry, returning the
    /// first success. Mirrors are a cache: any failure there falls through, and only
    /// the registry's own error reaches the user.
    func withPullEndpoints<T: Sendable>(_ body: (Endpoint) async throws -> T) async throws -> T {
        for endpoint in endpoints.dropLast() {
            if let value = try? await body(endpoint) { return value }
            try Task.checkCancellation()
        }
        return try await body(primary)
    }
}
