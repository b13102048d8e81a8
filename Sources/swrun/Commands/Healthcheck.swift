import ArgumentParser
import Foundation
import GoTemplate
import SwrunOS
import SwrunRuntime

/// `swrun healthcheck run CONTAINER` (podman's name): one probe of the container's
/// healthcheck, recorded in its health. The container's monitor runs it every interval.
struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Run a container's healthcheck.", subcommands: [HealthcheckRun.self])
}

struct HealthcheckRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the container's healthcheck once; exit 0 when it passed, 1 when not.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container: name, ID or unique ID prefix.")
    var container: String

    mutating func run() throws {
        let runtime = try global.runtime()
        let state = try ContainerErrors.exitingOne { try runtime.containers.lookup(container) }
        guard let check = state.healthcheck, let kind = check.test.first else {
            throw SwrunError(.invalidArgument, "container \(state.name) has no defined healthcheck")
        }
        guard state.isRunning else { throw CommandFailure(message: "container \(state.name) is not running", exitCode: 1) }
        let command = kind == "CMD-SHELL" ? ["/bin/sh", "-c", check.test.dropFirst().joined(separator: " ")] : Array(check.test.dropFirst())
        let probe = try Self.probe(root: global.storeRoot, id: state.id, command: command,
                                   timeout: check.timeout ?? ContainerHealth.defaultTimeout)
        let health = try runtime.record(probe, for: state)
        if probe.exitCode != 0 {
            print(health.status == "unhealthy" ? "unhealthy" : "probe failed (\(health.status))")
            throw ExitCode(1)
        }
    }

    /// Runs `command` in the container with `swrun exec` (this binary), its output
    /// (stdout and stderr together, the first 4 KiB kept) and code; past `timeout`
    /// (ns) it is stopped and the probe fails with docker's words.
    static func probe(root: String, id: String, command: [String], timeout: Int64) throws -> ContainerHealth.Probe {
        let start = Date()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        process.arguments = ["--root", root, "exec", id] + command
        // Output to an unlinked file: no reader thread, and a probe that writes a lot
        // never blocks on a full pipe.
        var template = Array((NSTemporaryDirectory() + "/swrun-health-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw SwrunError.system("create the probe's output file") }
        unlink(String(cString: template))
        let output = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        var timedOut = false
        if ended.wait(timeout: .now() + .nanoseconds(Int(timeout))) == .timedOut {
            timedOut = true
            // The exec client passes the signal on to the probe's process.
            process.terminate()
            if ended.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                ended.wait()
            }
        }
        process.waitUntilExit()
        var collected = [UInt8](repeating: 0, count: ContainerHealth.maxOutput)
        let n = pread(fd, &collected, collected.count, 0)
        collected = Array(collected.prefix(max(0, n)))
        let text = String(decoding: collected.prefix(ContainerHealth.maxOutput), as: UTF8.self)
        return ContainerHealth.Probe(
            start: Timestamps.format(start), end: Timestamps.format(Date()),
            exitCode: timedOut ? -1 : Int(process.terminationStatus),
            output: timedOut ? "Health check exceeded timeout (\(GoDuration.format(timeout)))" : text)
    }
}
