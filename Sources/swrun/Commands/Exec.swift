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
    @Flag(name: [.customShort("i"), .long], help: "Keep STDIN open.")
    var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Allocate a pseudo-TTY.")
    var tty = false
    @Option(name: [.customShort("e"), .long], help: "Set an environment variable.")
    var env: [String] = []
    @Option(name: .customLong("env-file"), help: "Read environment variables from a file.")
    var envFile: [String] = []
    @Option(name: [.customShort("w"), .long], help: "Working directory inside the container.")
    var workdir: String?
    @Option(name: [.customShort("u"), .long], help: "USER[:GROUP], names or numbers.")
    var user: String?
    @Flag(name: .long, help: "Give extended privileges to the command.")
    var privileged = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching.")
    var detachKeys: String = "ctrl-p,ctrl-q"
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.")
    var command: [String] = []

    mutating func run() throws {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(container)
        var options = ExecOptions()
        options.command = command
        var environment: [String] = []
        for file in envFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SwrunError(.notFound, "open \(file): no such file or directory")
            }
            environment += OptionParsing.envFile(String(decoding: data, as: UTF8.self))
        }
        options.env = environment + env
        options.workdir = workdir
        options.user = user
        options.privileged = privileged
        options.interactive = interactive
        options.tty = tty
        if tty && interactive && !detach && isatty(0) == 0 {
            FileHandle.standardError.write(Data("the input device is not a TTY\n".utf8))
            options.tty = false
        }
        let attach = AttachOptions(stdin: interactive, tty: options.tty, detachKeys: try AttachOptions.parseDetachKeys(detachKeys))
        do {
            switch try runtime.exec(state, options: options, detach: detach, attach: attach) {
            case .exited(let code): throw ExitCode(code)
            case .running: return
            }
        } catch let failure as ContainerStartFailure {
            throw CommandFailure(message: failure.message, exitCode: failure.exitCode)
        }
    }
}
