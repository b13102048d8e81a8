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
    @Flag(name: .customLong("all-restartable"),
          help: "Start every stopped container whose restart policy is always, or unless-stopped and not stopped by the user (for a boot unit).")
    var allRestartable = false
    /// The monitor's restart by the policy, after this backoff (ms).
    @Option(name: .customLong("policy-restart-delay"), help: .hidden)
    var policyRestartDelay: Int?
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String] = []

    mutating func validate() throws {
        if containers.isEmpty && !allRestartable { throw ValidationError("Missing expected argument '<containers> ...'") }
        if !containers.isEmpty && allRestartable { throw ValidationError("--all-restartable takes no container names") }
    }

    mutating func run() throws {
        let runtime = try global.runtime()
        if let delay = policyRestartDelay, containers.count == 1 {
            let state = try runtime.containers.lookup(containers[0])
            _ = try runtime.start(state, detach: true, attach: AttachOptions(), policyRestartDelay: delay)
            return
        }
        if allRestartable {
            containers = try runtime.containers.list().filter(runtime.isRestartable).map(\.name)
            if containers.isEmpty { return }
        }
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
