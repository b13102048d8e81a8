import ArgumentParser
import SwrunOS

/// `image inspect` / `container inspect`: `inspect` restricted to one kind of object,
/// as docker's grouped commands are.
struct ImageInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more images.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format the output using the given Go template.")
    var format: String?
    @Option(name: .long, help: .hidden)
    var type: String?
    @Argument(help: "Image names or IDs.")
    var names: [String]

    mutating func run() throws {
        if let type, type != "image" { throw SwrunError(.invalidArgument, "\"\(type)\" is not a valid value for --type here") }
        var inspect = try Inspect.parse(typedInspectArguments(kind: "image", global: global, format: format, names: names))
        try inspect.run()
    }
}

struct ContainerInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more containers.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format the output using the given Go template.")
    var format: String?
    @Option(name: .long, help: .hidden)
    var type: String?
    @Argument(help: "Container names or IDs.")
    var names: [String]

    mutating func run() throws {
        if let type, type != "container" { throw SwrunError(.invalidArgument, "\"\(type)\" is not a valid value for --type here") }
        var inspect = try Inspect.parse(typedInspectArguments(kind: "container", global: global, format: format, names: names))
        try inspect.run()
    }
}

private func typedInspectArguments(kind: String, global: GlobalOptions, format: String?, names: [String]) -> [String] {
    var args = ["--type", kind, "--root", global.storeRoot, "--log-level", global.logLevel]
    if let format { args += ["--format", format] }
    return args + ["--"] + names
}
