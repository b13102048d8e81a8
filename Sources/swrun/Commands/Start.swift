import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start one or more stopped containers.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Attach STDOUT/STDERR and forward signals.")
    var attach = false
    @Flag(name: [.customShort("i"), .long], help: "Attach the container's STDIN.")
    var interactive = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.")
    var detachKeys: String = AttachOptions.defaultDetachKeys
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String]

    mutating func run() throws {
        let runtime = try global.runtime()
        let keys = try AttachOptions.parseDetachKeys(detachKeys)
        if attach || interactive {
            guard containers.count == 1 else { throw SwrunError(.invalidArgument, "you cannot start and attach multiple containers at once") }
            let state = try runtime.containers.lookup(containers[0])
            let options = AttachOptions(stdin: interactive, tty: state.tty ?? false, detachKeys: keys)
            switch try runtime.start(state, detach: false, attach: options) {
            case .exited(let code): throw ExitCode(code)
            case .running: return
            }
        }
        var failed = false
        for reference in containers {
            do {
                let state = try runtime.containers.lookup(reference)
                _ = try runtime.start(state, detach: true, attach: AttachOptions())
                print(reference)
            } catch let error as SwrunError {
                FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
