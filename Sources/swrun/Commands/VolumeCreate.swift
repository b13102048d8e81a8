import ArgumentParser
import SwrunOS
import SwrunRuntime

struct VolumeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a volume.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("d"), .long], help: "Specify volume driver name.")
    var driver = "local"
    @Option(name: .long, help: "Set metadata for a volume (KEY=VALUE).")
    var label: [String] = []
    @Option(name: [.customShort("o"), .long], help: "Set driver specific options: type=, device=, o=.")
    var opt: [String] = []
    @Option(name: .long, help: "Specify volume name.")
    var name: String?
    @Argument(help: "The volume's name; a random one when none is given.")
    var volume: String?

    mutating func run() throws {
        if name != nil && volume != nil {
            throw SwrunError(.invalidArgument, "conflicting options: either specify --name or provide positional arg, not both")
        }
        let wanted = Volume(name: name ?? volume ?? VolumeStore.randomName(), driver: driver,
                            labels: try KeyValueOptions.parse(label, flag: "label"), options: try KeyValueOptions.parse(opt, flag: "opt"))
        let (made, _) = try global.volumeStore().create(wanted)
        print(made.name)
    }
}
