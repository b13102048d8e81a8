import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Execute a command in a running container.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("d"), .long], help: "Detached mode: run the command in the background.")
    var detach = false
    @OptionGroup(title: "Process") var process: ProcessFlags
    @Flag(name: .long, help: "Give extended privileges to the command.")
    var privileged = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching.")
    var detachKeys: String = AttachOptions.defaultDetachKeys
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.")
    var command: [String] = []

    mutating func run() throws {
        try request().execute()
    }

    /// What the parsed flags ask for.
    func request() throws -> ExecRequest {
        guard process.groupAdd.isEmpty else { throw SwrunError(.invalidArgument, "unknown flag: --group-add (exec takes -u USER[:GROUP])") }
        var options = ExecOptions()
        options.command = command
        options.env = try process.environment()
        options.workdir = process.workdir
        options.user = process.user
        options.privileged = privileged
        options.interactive = process.interactive
        options.tty = process.tty
        return ExecRequest(global: global, container: container, options: options, detach: detach, detachKeys: detachKeys)
    }
}

/// `swrun exec` as asked, whichever parser read the command line (`Exec`, or
/// `ExecRequest.parseCommon` for the common lines).
struct ExecRequest {
    var global: GlobalOptions
    var container: String
    var options: ExecOptions
    var detach: Bool
    var detachKeys: String

    func execute() throws {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(container)
        var options = options
        let attach = try ClientAttach.options(
            interactive: options.interactive, tty: &options.tty, detach: detach, detachKeys: detachKeys)
        switch try runtime.exec(state, options: options, detach: detach, attach: attach) {
        case .exited(let code): throw ExitCode(code)
        case .running: return
        }
    }
}
