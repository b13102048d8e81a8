import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SwrunOCI
import SwrunOS

extension RegistryClient {
    /// The repositories of the registry (`GET /v2/_catalog`), following `Link`
    /// pagination. With `limit`, pages hold that many names and at most that many
    /// are returned.
    public func catalog(limit: Int? = nil) async throws -> [String] {
        try await catalog(limit: limit, pageSize: limit)
    }

    /// `catalog(limit:)` with pages of `pageSize` names: lets tests make a registry
    /// paginate a handful of repositories.
    func catalog(limit: Int?, pageSize: Int?) async throws -> [String] {
        struct Page: Decodable { var repositories: [String]? }
        let what = "catalog \(registry)"
        var first = url(primary, "_catalog")
        if let pageSize { first = RegistryURL.appendingQuery(first, "n", String(max(1, pageSize))) }
        let names = try await paginate(first, scopes: ["registry:catalog:*"], limit: limit, what: what) { bytes in
            try OCIJSON.decode(Page.self, from: bytes, what: what).repositories ?? []
        }
        return names
    }

    /// The tags of `repository` (`GET /v2/<name>/tags/list`), following pagination.
    public func tags(repository: String) async throws -> [String] {
        struct Page: Decodable { var tags: [String]? }
        let what = "tags \(registry)/\(repository)"
        let first = url(primary, "\(repository)/tags/list")
        return try await paginate(first, scopes: [RegistryClient.repositoryScope(repository)], limit: nil, what: what) { bytes in
            try OCIJSON.decode(Page.self, from: bytes, what: what).tags ?? []
        }
    }

    /// Collects `decode(page)` over every page from `first` on, stopping at `limit`.
    private func paginate(
        _ first: String, scopes: [String], limit: Int?, what: String, decode: ([UInt8]) throws -> [String]
    ) async throws -> [String] {
        var results: [String] = []
        var next: String? = first
        var seen: Set<String> = []
        while let url = next, seen.insert(url).inserted {
            let response = try await send(RegistryRequest(.GET, url, scopes: scopes), to: primary, what: what)
            try await expect(response, [200], what: what)
            let body = try await collect(response, limit: 16 << 20, what: what)
            do {
                results += try decode(body)
            } catch {
                throw SwrunError(.corrupt, translating: error)
            }
            if let limit, results.count >= limit { return Array(results.prefix(limit)) }
            next = response.headers.first(name: "Link").flatMap(RegistryURL.nextLink).flatMap {
                RegistryURL.resolve($0, against: url)
            }
        }
        return results
    }
}
