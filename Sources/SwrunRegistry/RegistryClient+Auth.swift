import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwrunOS

extension RegistryClient {
    /// The `Authorization` value for a request to `endpoint` needing `scopes`, from
    /// the challenge that host last sent: none before any challenge (anonymous first,
    /// as docker does), `Basic …` for Basic, `Bearer <token>` for Bearer (fetched
    /// from the realm, or reused from the cache while valid).
    func authorization(for endpoint: Endpoint, scopes: [String], what: String) async throws -> String? {
        guard let challenge = await cache.challenge(for: endpoint.host) else { return nil }
        switch challenge.scheme {
        case "basic":
            guard let credentials = credentials(for: endpoint),
                  config.allowsCredentials(scheme: endpoint.scheme, host: endpoint.host) else { return nil }
            return RegistryClient.basic(credentials)
        case "bearer":
            let key = TokenCache.Key(host: endpoint.host, scope: RegistryClient.scopeKey(scopes))
            if let token = await cache.token(for: key) { return "Bearer \(token)" }
            let (token, expiresIn) = try await fetchToken(challenge, endpoint: endpoint, scopes: scopes, what: what)
            await cache.store(token, for: key, expiresIn: expiresIn)
            return "Bearer \(token)"
        default:
            return nil
        }
    }

    /// Credentials go to the registry itself only, never to a mirror of it.
    func credentials(for endpoint: Endpoint) -> Credentials? {
        endpoint.isMirror ? nil : credentials
    }

    /// Asks the token server named by `challenge` for a token covering `scopes`,
    /// with Basic credentials when the user has some and the realm may carry them.
    private func fetchToken(
        _ challenge: AuthChallenge, endpoint: Endpoint, scopes: [String], what: String
    ) async throws -> (String, TimeInterval?) {
        guard let realm = challenge.realm, var components = URLComponents(string: realm),
              let realmScheme = components.scheme, ["http", "https"].contains(realmScheme),
              let realmHost = RegistryURL.authority(of: realm) else {
            throw SwrunError(.invalidArgument, "\(what): registry sent an unusable Bearer realm \"\(challenge.realm ?? "")\"")
        }
        var query = components.queryItems ?? []
        if let service = challenge.parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        for scope in scopes { query.append(URLQueryItem(name: "scope", value: scope)) }
        components.queryItems = query.isEmpty ? nil : query
        // `+` is literal in URLComponents' output but a space to Go servers.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else {
            throw SwrunError(.invalidArgument, "\(what): registry sent an unusable Bearer realm \"\(realm)\"")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        if let credentials = credentials(for: endpoint), config.allowsCredentials(scheme: realmScheme, host: realmHost) {
            request.headers.add(name: "Authorization", value: RegistryClient.basic(credentials))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, deadline: .now() + RegistryClient.apiTimeout)
        } catch {
            throw RegistryError.transport(error, what: "\(what): token server \(realmHost)")
        }
        guard response.status == .ok else {
            throw await RegistryError.from(response, what: what)
        }
        let body = try await collect(response, limit: 1 << 20, what: "\(what): token server \(realmHost)")
        struct TokenResponse: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Double?
        }
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(body)),
              let token = decoded.token ?? decoded.access_token, !token.isEmpty else {
            throw SwrunError(.corrupt, "\(what): token server \(realmHost) sent no token")
        }
        return (token, decoded.expires_in)
    }

    static func basic(_ credentials: Credentials) -> String {
        "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
    }

    /// `GET /v2/`, answering any auth challenge: checks the registry is reachable and,
    /// with credentials, that they are accepted (a wrong password throws an error
    /// reading "unauthorized: …"). Without credentials a challenge is not an error:
    /// it only says the registry wants them.
    public func ping() async throws {
        let what = "ping \(registry)"
        var request = RegistryRequest(.GET, url(primary, ""))
        request.answersChallenge = credentials != nil
        let response = try await send(request, to: primary, what: what)
        if response.status == .unauthorized, credentials == nil {
            await discard(response)
            return
        }
        try await expect(response, [200], what: what)
        await discard(response)
    }
}
