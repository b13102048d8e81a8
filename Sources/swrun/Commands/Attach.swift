import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

/// `swrun attach`: one more client of a running container's monitor, beside `run`'s
/// own and any other `attach`.
struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Attach local standard input, output, and error streams to a running container.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.")
    var detachKeys: String = AttachOptions.defaultDetachKeys
    @Flag(name: .customLong("no-stdin"), help: "Do not attach STDIN.")
    var noStdin = false
    // docker's bool flag: a bare --sig-proxy becomes --sig-proxy=true before parsing
    // (CommandLineShorthand.normalizingBareFlags).
    @Option(name: .customLong("sig-proxy"), help: "Proxy all received signals to the process (default true).", transform: Attach.parseBool)
    var sigProxy = true
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let keys = try AttachOptions.parseDetachKeys(detachKeys)
        // docker's client answers these, and exits 1.
        let result = try ContainerErrors.exitingOne {
            let state = try runtime.containers.lookup(container)
            let tty = state.tty ?? false
            // As docker: stdin only for a container that keeps it open (-i).
            let stdin = !noStdin && (state.interactive ?? false)
            if tty && stdin && isatty(0) == 0 { throw SwrunError(.invalidArgument, "the input device is not a TTY") }
            // With a terminal, ctrl-c and the like reach the container as keys.
            let options = AttachOptions(stdin: stdin, tty: tty, detachKeys: keys, proxySignals: sigProxy && !tty)
            return try runtime.attach(state, options: options)
        }
        switch result {
        case .exited(let code):
            if code != 0 { throw ExitCode(code) }
        case .detached:
            // docker's attach ends with this error on the detach keys.
            FileHandle.standardError.write(Data("read escape sequence\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Go's strconv.ParseBool, as docker reads `--sig-proxy=VALUE`.
    static func parseBool(_ text: String) throws -> Bool {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw ValidationError("invalid boolean value \"\(text)\" for --sig-proxy")
        }
    }
}
