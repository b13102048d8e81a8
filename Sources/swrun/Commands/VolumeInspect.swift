import ArgumentParser
import GoTemplate
import SwrunOS
import SwrunRuntime

struct VolumeInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Display detailed information on one or more volumes.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format the output using the given Go template.")
    var format: String?
    @Argument(help: "Volume names.")
    var volumes: [String]

    mutating func run() throws {
        let template = try format.map { source in try TemplateFailure.inspectParse.mapping { try GoTemplate(source) } }
        let store = global.volumeStore()
        var documents: [TemplateValue] = []
        var missing: [String] = []
        for name in volumes {
            do {
                documents.append(VolumeDocument.build(try store.load(name), mountpoint: store.dataPath(of: name)))
            } catch let error as SwrunError where error.code == .notFound {
                missing.append("No such volume: \(name)")
            }
        }
        try InspectOutput.emit(documents, template: template, missing: missing)
    }
}

/// docker's volume inspect document.
enum VolumeDocument {
    static func build(_ volume: Volume, mountpoint: String) -> TemplateValue {
        .object([
            "CreatedAt": .string(Timestamps.format(volume.createdAt, nanoseconds: false)),
            "Driver": .string(volume.driver),
            "Labels": .goMap(volume.labels.mapValues(TemplateValue.string)),
            "Mountpoint": .string(mountpoint),
            "Name": .string(volume.name),
            "Options": .goMap(volume.options.isEmpty ? nil : volume.options.mapValues(TemplateValue.string)),
            "Scope": .string("local"),
        ])
    }
}
