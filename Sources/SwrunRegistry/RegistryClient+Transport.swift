import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwrunOS

/// One API request as the client sends it: auth, retries and redirects are added by
/// `send(_:to:what:)`.
struct RegistryRequest: Sendable {
    var method: HTTPMethod
    /// An absolute URL.
    var url: String
    var headers = HTTPHeaders()
    /// Makes the body; called again for each attempt, since a streamed body can be
    /// consumed only once.
    var body: (@Sendable () -> HTTPClientRequest.Body)?
    /// The token scopes the request needs (`repository:foo:pull`).
    var scopes: [String] = []
    /// Whether a connection failure or 5xx may be retried: not for uploads, whose
    /// session state on the registry is unknown after a failure.
    var idempotent = true
    /// Whether a 401 challenge is answered (credentials or a token, then a retry);
    /// false for an anonymous `ping`, where a challenge only says "log in".
    var answersChallenge = true
    /// Whether 3xx answers are followed (GET and HEAD only: blobs live in storage).
    var followRedirects = true
    /// nil: no overall deadline (blob streams).
    var timeout: TimeAmount? = RegistryClient.apiTimeout

    init(_ method: HTTPMethod, _ url: String, scopes: [String] = []) {
        self.method = method
        self.url = url
        self.scopes = scopes
        self.followRedirects = method == .GET || method == .HEAD
        self.idempotent = method == .GET || method == .HEAD || method == .DELETE
    }
}

extension RegistryClient {
    /// Sends `request` to `endpoint` and returns the final answer, whatever its
    /// status, except that it first
    /// - answers a 401 challenge once (fetching a token or adding Basic credentials),
    ///   and, when a cached token is refused later, refreshes it once;
    /// - retries a connection failure or 5xx of an idempotent request with backoff;
    /// - follows redirects of GET and HEAD, dropping credentials on a change of host.
    /// Transport failures throw a one-line `SwrunError` starting with `what`.
    func send(_ request: RegistryRequest, to endpoint: Endpoint, what: String) async throws -> HTTPClientResponse {
        var attempt = 1
        var answeredChallenge = false
        while true {
            let authorization = try await authorization(for: endpoint, scopes: request.scopes, what: what)
            let response: HTTPClientResponse
            do {
                response = try await executeFollowingRedirects(request, authorization: authorization, endpoint: endpoint)
            } catch {
                if error is CancellationError { throw error }
                if request.idempotent, attempt < RegistryClient.maximumAttempts, !(error is SwrunError) {
                    try await backoff(attempt)
                    attempt += 1
                    continue
                }
                throw RegistryError.transport(error, what: what)
            }
            if response.status == .unauthorized, !answeredChallenge,
               let challenge = AuthChallenge.preferred(from: response.headers["WWW-Authenticate"]) {
                await cache.setChallenge(challenge, for: endpoint.host)
                if request.answersChallenge {
                    answeredChallenge = true
                    await cache.invalidate(TokenCache.Key(host: endpoint.host, scope: RegistryClient.scopeKey(request.scopes)))
                    await discard(response)
                    continue
                }
            }
            if response.status.code >= 500, request.idempotent, attempt < RegistryClient.maximumAttempts {
                await discard(response)
                try await backoff(attempt)
                attempt += 1
                continue
            }
            return response
        }
    }

    /// Executes one attempt, following up to `maximumRedirects` hops.
    private func executeFollowingRedirects(
        _ request: RegistryRequest, authorization: String?, endpoint: Endpoint
    ) async throws -> HTTPClientResponse {
        var url = request.url
        var method = request.method
        var sendAuthorization = authorization
        for _ in 0...RegistryClient.maximumRedirects {
            var http = HTTPClientRequest(url: url)
            http.method = method
            http.headers = request.headers
            if let sendAuthorization { http.headers.replaceOrAdd(name: "Authorization", value: sendAuthorization) }
            if let body = request.body { http.body = body() }
            let deadline = request.timeout.map { NIODeadline.now() + $0 } ?? .distantFuture
            let response = try await self.http.execute(http, deadline: deadline)
            guard request.followRedirects, [301, 302, 303, 307, 308].contains(response.status.code),
                  let location = response.headers.first(name: "Location"),
                  let next = RegistryURL.resolve(location, against: url) else {
                return response
            }
            await discard(response)
            // Storage backends (S3, GCS) get presigned URLs: a registry token sent
            // there is at best refused and at worst leaked.
            if RegistryURL.authority(of: next) != RegistryURL.authority(of: url) { sendAuthorization = nil }
            if response.status.code == 303 { method = .GET }
            url = next
        }
        throw SwrunError(.system, "too many redirects (last \(url))")
    }

    /// Reads and drops a small body so the connection can be reused.
    func discard(_ response: HTTPClientResponse) async {
        _ = try? await response.body.collect(upTo: RegistryError.maximumErrorBody)
    }

    /// The whole body, refusing more than `limit` bytes.
    func collect(_ response: HTTPClientResponse, limit: Int, what: String) async throws -> [UInt8] {
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw SwrunError(.invalidArgument, "\(what): response of \(length) bytes exceeds the limit of \(limit)")
        }
        do {
            return Array(try await response.body.collect(upTo: limit).readableBytesView)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw SwrunError(.invalidArgument, "\(what): response exceeds the limit of \(limit) bytes")
        } catch {
            throw RegistryError.transport(error, what: what)
        }
    }

    /// Throws the registry's error unless `response` has one of `expected` statuses.
    func expect(_ response: HTTPClientResponse, _ expected: Set<UInt>, what: String) async throws {
        guard expected.contains(response.status.code) else {
            throw await RegistryError.from(response, what: what)
        }
    }

    /// 200 ms, 400 ms, 800 ms: enough for a registry restart or a load-balancer
    /// hiccup without stalling a failing command for long.
    private func backoff(_ attempt: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(200_000_000) << UInt64(attempt - 1))
    }

    /// The cache key of a set of scopes: order does not matter.
    static func scopeKey(_ scopes: [String]) -> String {
        scopes.sorted().joined(separator: " ")
    }

    /// `repository:NAME:pull` or `repository:NAME:pull,push`.
    static func repositoryScope(_ repository: String, push: Bool = false) -> String {
        "repository:\(repository):\(push ? "pull,push" : "pull")"
    }

    /// `scheme://host/v2/<path>`.
    func url(_ endpoint: Endpoint, _ path: String) -> String {
        "\(endpoint.base)/v2/\(path)"
    }
}
