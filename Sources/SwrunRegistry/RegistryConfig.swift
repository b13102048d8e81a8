import Foundation
import SwrunOS

/// Which registries swrun talks to over plain HTTP and which mirrors it tries first,
/// read from the same keys as docker's `daemon.json` so one file can serve both.
public struct RegistryConfig: Codable, Hashable, Sendable {
    /// Registries reached over plain HTTP: `host[:port]` exactly, or a CIDR block
    /// (`10.0.0.0/8`) that matches a registry named by an IP address.
    public var insecureRegistries: [String]
    /// Mirrors of docker.io (`https://mirror.example.com`), tried in order before it.
    public var registryMirrors: [String]
    /// Per-registry CA certificates, as docker's `/etc/docker/certs.d`:
    /// `<dir>/<host[:port]>/*.crt` are trusted, besides the system's CAs, for that
    /// registry. `certs.d` beside the config file; nil for none.
    public var certificatesDirectory: String?

    /// The default location of the file.
    public static let defaultPath = "/etc/swrun/config.json"
    /// The registry docker uses for names without a domain.
    public static let dockerHubDomain = "docker.io"
    /// Where docker.io's API actually lives; `docker.io` itself serves no `/v2/`.
    public static let dockerHubAPIHost = "registry-1.docker.io"

    enum CodingKeys: String, CodingKey {
        case insecureRegistries = "insecure-registries"
        case registryMirrors = "registry-mirrors"
    }

    public init(insecureRegistries: [String] = [], registryMirrors: [String] = [], certificatesDirectory: String? = nil) {
        self.insecureRegistries = insecureRegistries
        self.registryMirrors = registryMirrors
        self.certificatesDirectory = certificatesDirectory
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        insecureRegistries = try container.decodeIfPresent([String].self, forKey: .insecureRegistries) ?? []
        registryMirrors = try container.decodeIfPresent([String].self, forKey: .registryMirrors) ?? []
    }

    /// Reads the file at `path`. A missing file means the defaults (most hosts have
    /// none); a malformed one is an error, because silently ignoring an
    /// `insecure-registries` entry would send the user to the wrong scheme.
    public static func load(path: String = defaultPath) throws -> RegistryConfig {
        let certificates = FileIO.parentPath(path) + "/certs.d"
        guard FileIO.exists(path) else { return RegistryConfig(certificatesDirectory: certificates) }
        let bytes = try FileIO.readFile(path)
        var config: RegistryConfig
        do {
            config = try JSONDecoder().decode(RegistryConfig.self, from: Data(bytes))
            config.certificatesDirectory = certificates
        } catch {
            throw SwrunError(.invalidArgument, "registry config \(path): invalid JSON", cause: error)
        }
        for mirror in config.registryMirrors where Endpoint(url: mirror) == nil {
            throw SwrunError(.invalidArgument, "registry config \(path): invalid registry mirror \(mirror) (want http(s)://host[:port])")
        }
        return config
    }

    /// `http` for loopback registries and those configured insecure, `https` otherwise;
    /// a registry with CA certificates in `certs.d` is HTTPS even on loopback, since
    /// that is what the user set it up for. `host` is `name[:port]` or `[v6][:port]`,
    /// as in an image reference.
    public func scheme(for host: String) -> String {
        if !caCertificates(for: host).isEmpty { return "https" }
        return HostAddress.isLoopback(host) || isInsecure(host) ? "http" : "https"
    }

    /// The `*.crt` files in `certs.d/<host>/`, sorted.
    public func caCertificates(for host: String) -> [String] {
        guard let certificatesDirectory, !host.contains("/"), host != "." , host != ".." else { return [] }
        let directory = certificatesDirectory + "/" + host
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".crt") }.sorted().map { directory + "/" + $0 }
    }

    /// Whether the user listed `host`: exactly as `name[:port]` (as docker matches it,
    /// so `myhost` does not cover `myhost:5000`), or by a CIDR block holding its address.
    public func isInsecure(_ host: String) -> Bool {
        let name = HostAddress.stripPort(host)
        for entry in insecureRegistries {
            let entry = entry.trimmingCharacters(in: .whitespaces)
            if entry.contains("/") {
                if let block = CIDRBlock(entry), block.contains(name) { return true }
            } else if entry == host {
                return true
            }
        }
        return false
    }

    /// The host serving the registry API for the domain of a reference: docker.io
    /// (and its legacy alias) map to `registry-1.docker.io`.
    public static func apiHost(for registry: String) -> String {
        switch registry {
        case dockerHubDomain, "index.docker.io", dockerHubAPIHost: return dockerHubAPIHost
        default: return registry
        }
    }

    /// Whether `registry` is docker.io under any of its names.
    public static func isDockerHub(_ registry: String) -> Bool {
        apiHost(for: registry) == dockerHubAPIHost
    }

    /// The places to fetch `registry`'s content from, in order: its mirrors (docker.io
    /// only, as docker does), then the registry itself.
    func endpoints(for registry: String) -> [Endpoint] {
        let host = RegistryConfig.apiHost(for: registry)
        let own = Endpoint(scheme: scheme(for: host), host: host, isMirror: false)
        guard RegistryConfig.isDockerHub(registry) else { return [own] }
        return registryMirrors.compactMap { Endpoint(url: $0) } + [own]
    }

    /// Whether credentials may travel to `host` over `scheme`: always over HTTPS; over
    /// plain HTTP only to loopback or to a host the user declared insecure.
    func allowsCredentials(scheme: String, host: String) -> Bool {
        scheme == "https" || HostAddress.isLoopback(host) || isInsecure(host)
    }
}

/// One place a registry API answers: `scheme://host[:port]`.
struct Endpoint: Hashable, Sendable {
    let scheme: String
    /// `name[:port]` as it goes in a URL.
    let host: String
    let isMirror: Bool

    init(scheme: String, host: String, isMirror: Bool) {
        self.scheme = scheme
        self.host = host
        self.isMirror = isMirror
    }

    /// A mirror from its URL; nil unless it is `http(s)://host[:port][/]`.
    init?(url: String) {
        var text = Substring(url.trimmingCharacters(in: .whitespaces))
        let scheme: String
        if text.hasPrefix("https://") { scheme = "https" } else if text.hasPrefix("http://") { scheme = "http" } else { return nil }
        text = text.dropFirst(scheme.count + 3)
        while text.hasSuffix("/") { text = text.dropLast() }
        guard !text.isEmpty, !text.contains("/"), !text.contains("?"), !text.contains("@") else { return nil }
        self.init(scheme: scheme, host: String(text), isMirror: true)
    }

    /// `scheme://host`.
    var base: String { "\(scheme)://\(host)" }
}
