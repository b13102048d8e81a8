import ArgumentParser
import GoTemplate
import SwrunOCI
import SwrunOS
import SwrunRegistry

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search a registry's catalog for repositories.",
        discussion: "REGISTRY/TERM lists the repositories of REGISTRY whose name contains TERM (all of them for REGISTRY/).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Option(name: .long, help: "Maximum number of results.")
    var limit: Int = 25
    @Option(name: .long, help: "Pretty-print with a Go template ({{.Name}}).")
    var format: String?
    @Argument(help: "REGISTRY/TERM")
    var term: String

    mutating func run() throws {
        guard (1...100).contains(limit) else { throw SwrunError(.invalidArgument, "limit \(limit) is outside the range of [1, 100]") }
        let (host, text) = try Self.split(term)
        let client = try registry.client(for: host, global: global)
        defer { client.shutdownBlocking() }
        let repositories: [String]
        do {
            repositories = try runBlocking { try await client.catalog(limit: nil) }
        } catch let error as SwrunError {
            throw SwrunError(error.code, "search \(host): \(error.message)")
        }
        let names = repositories.filter { text.isEmpty || $0.contains(text) }.prefix(limit).map { host + "/" + $0 }
        try Listing(format: format, layout: .template("table {{.Name}}\\t{{.Description}}"))
            .print(names.map(SearchRow.init(name:)))
    }

    /// `host/term` → (host, term); a registry is required, as only catalogs are searched.
    static func split(_ input: String) throws -> (String, String) {
        guard let slash = input.firstIndex(of: "/") else {
            throw SwrunError(
                .invalidArgument,
                "search \(input): name a registry (REGISTRY/TERM): only registry catalogs can be searched offline")
        }
        return (try registryHost(String(input[..<slash])), String(input[input.index(after: slash)...]))
    }
}

/// One repository found by `search`. A catalog has names only: the other columns docker
/// shows stay empty.
struct SearchRow: ListingRow {
    var name: String

    func fields(noTrunc: Bool) -> TemplateFields {
        [
            "Name": .string(name), "Description": .string(""), "StarCount": .int(0),
            "IsOfficial": .bool(false), "IsAutomated": .bool(false),
        ]
    }
}
