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
        // A catalog has names only: the other columns docker shows stay empty.
        let rows = names.map { name -> TemplateValue in
            let fields: TemplateFields = [
                "Name": .string(name), "Description": .string(""), "StarCount": .int(0),
                "IsOfficial": .bool(false), "IsAutomated": .bool(false),
            ]
            return .object(fields)
        }
        let layout = format.flatMap { $0.isEmpty ? nil : $0 } ?? "table {{.Name}}\\t{{.Description}}"
        do {
            print(try TableFormat.render(format: layout, rows: rows, headers: [:]), terminator: "")
        } catch let error as TemplateError {
            throw SwrunError(.invalidArgument, "template parsing error: \(error.message)")
        }
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
