import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

/// A container's metadata and life: labels, its ID file, how it is stopped, how its
/// image is found (run and create).
struct LifecycleFlags: ParsableArguments {
    @Option(name: [.customShort("l"), .long], help: "Set a metadata label (KEY=VALUE).")
    var label: [String] = []
    @Option(name: .customLong("label-file"), help: "Read labels from a file of KEY=VALUE lines.")
    var labelFile: [String] = []
    @Option(name: .customLong("cidfile"), help: "Write the container ID to the file.")
    var cidfile: String?
    @Option(name: .customLong("stop-signal"), help: "Signal to stop the container.")
    var stopSignal: String?
    @Option(name: .customLong("stop-timeout"), parsing: .unconditional, help: "Seconds to wait before killing the container when stopping it.")
    var stopTimeout: Int?
    @Option(name: .customLong("pull"), help: "Pull image before running (\"always\", \"missing\", \"never\").")
    var pull: String = "missing"

    /// Labels from the files, then the flags (later ones win), as docker reads them.
    func labels() throws -> [String: String] {
        var lines: [String] = []
        for file in labelFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SwrunError(.notFound, "open \(file): no such file or directory")
            }
            lines += String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init).filter {
                let trimmed = $0.trimmingCharacters(in: .whitespaces)
                return !trimmed.isEmpty && !trimmed.hasPrefix("#")
            }
        }
        var result: [String: String] = [:]
        for entry in lines + label {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts[0].isEmpty else { throw SwrunError(.invalidArgument, "invalid argument \"\(entry)\" for \"-l, --label\" flag: invalid label format") }
            result[parts[0]] = parts.count == 2 ? parts[1] : ""
        }
        return result
    }

    /// `--pull` checked, as docker's client does.
    func pullPolicy() throws -> String {
        guard ["always", "missing", "never"].contains(pull) else {
            throw SwrunError(.invalidArgument, "invalid pull option: '\(pull)': must be one of \"always\", \"missing\" or \"never\"")
        }
        return pull
    }
}

/// What the container shares with the host or another container, and its devices and
/// kernel knobs.
struct HostFlags: ParsableArguments {
    @Option(name: .customLong("shm-size"), help: "Size of /dev/shm (e.g. 128m).")
    var shmSize: String?
    @Option(name: .customLong("device"), help: "Add a host device: HOST[:CONTAINER[:PERMISSIONS]].")
    var device: [String] = []
    @Option(name: .customLong("sysctl"), help: "Set a namespaced kernel parameter KEY=VALUE.")
    var sysctl: [String] = []
    @Option(name: .customLong("ipc"), help: "IPC mode: private, shareable, host, container:NAME.")
    var ipc: String?
    @Option(name: .customLong("pid"), help: "PID namespace: host, container:NAME.")
    var pid: String?
    @Option(name: .customLong("uts"), help: "UTS namespace: host.")
    var uts: String?
    @Option(name: .customLong("oom-score-adj"), parsing: .unconditional, help: "Tune the host's OOM preferences (-1000 to 1000).")
    var oomScoreAdj: Int?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs in which to allow execution (0-3, 0,1).")
    var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems"), help: "Memory nodes in which to allow execution (0-3, 0,1).")
    var cpusetMems: String?
}

extension ContainerOptions {
    /// Adds the lifecycle and host flags to options read from the other groups.
    mutating func apply(lifecycle: LifecycleFlags, host: HostFlags) throws {
        labels = try lifecycle.labels()
        stopSignal = lifecycle.stopSignal
        stopTimeout = lifecycle.stopTimeout
        shmSize = try host.shmSize.map(OptionParsing.bytes)
        devices = host.device
        sysctls = host.sysctl
        ipc = host.ipc
        pid = host.pid
        uts = host.uts
        oomScoreAdj = host.oomScoreAdj
        cpusetCpus = host.cpusetCpus
        cpusetMems = host.cpusetMems
    }
}
