import ArgumentParser
import Foundation
import GoTemplate
import SwrunNetwork
import SwrunOS

struct NetworkInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Display detailed information on one or more networks.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format the output using the given Go template.")
    var format: String?
    @Flag(name: [.customShort("v"), .long], help: "Verbose output for diagnostics (nothing more on a local network).")
    var verbose = false
    @Argument(help: "Networks: names, IDs or unique ID prefixes.")
    var networks: [String]

    mutating func run() throws {
        let template = try format.map { source in try TemplateFailure.inspectParse.mapping { try GoTemplate(source) } }
        let store = global.networkStore()
        var documents: [TemplateValue] = []
        var missing: [String] = []
        for reference in networks {
            let network: NetworkConfig
            do {
                network = try store.lookup(reference)
            } catch let error as SwrunError where error.code == .notFound {
                missing.append("No such network: \(reference)")
                continue
            }
            let endpoints = try NetworkEndpoint.all(on: network, store: store, root: global.storeRoot)
            documents.append(NetworkDocument.build(network, endpoints: endpoints))
        }
        try InspectOutput.emit(documents, template: template, missing: missing)
    }
}
