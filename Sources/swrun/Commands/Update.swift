import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Update configuration of one or more containers.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("m"), .long], help: "Memory limit.")
    var memory: String?
    @Option(name: .customLong("memory-swap"), help: "Swap limit equal to memory plus swap: -1 to enable unlimited swap.")
    var memorySwap: String?
    @Option(name: .customLong("memory-reservation"), help: "Memory soft limit.")
    var memoryReservation: String?
    @Option(name: .long, help: "Number of CPUs.")
    var cpus: String?
    @Option(name: [.customShort("c"), .customLong("cpu-shares")], help: "CPU shares (relative weight).")
    var cpuShares: String?
    @Option(name: .customLong("cpu-quota"), help: "Limit CPU CFS (Completely Fair Scheduler) quota.")
    var cpuQuota: String?
    @Option(name: .customLong("cpu-period"), help: "Limit CPU CFS (Completely Fair Scheduler) period.")
    var cpuPeriod: String?
    @Option(name: .customLong("cpuset-cpus"), help: "CPUs in which to allow execution (0-3, 0,1).")
    var cpusetCpus: String?
    @Option(name: .customLong("pids-limit"), help: "Tune container pids limit (set -1 for unlimited).")
    var pidsLimit: String?
    @Option(name: .long, help: "Restart policy to apply when a container exits.")
    var restart: String?
    @Argument(help: "Containers: names, IDs or unique ID prefixes.")
    var containers: [String] = []

    mutating func run() throws {
        guard !containers.isEmpty else {
            throw CommandFailure(message: "\"update\" requires at least 1 argument.\nSee 'swrun update --help'.", exitCode: 125)
        }
        let update = try request()
        guard !update.isEmpty else {
            throw CommandFailure(message: "You must provide one or more flags when using this command.", exitCode: 1)
        }
        try ContainerErrors.exitingOne { try update.validate() }
        let runtime = try global.runtime()
        try ContainerErrors.forEach(containers) { reference in
            let state = try runtime.containers.lookup(reference)
            do {
                try runtime.update(state, with: update)
            } catch let error as SwrunError where error.code != .invalidArgument && !error.message.hasPrefix("Conflicting") {
                throw SwrunError(error.code, "Cannot update container \(state.id)", cause: error)
            }
            print(reference)
        }
    }

    /// The flags as a `ResourceUpdate`, each value checked as docker's flag parser does.
    func request() throws -> ResourceUpdate {
        func number<T: LosslessStringConvertible>(_ text: String?, _ flag: String, _ what: String) throws -> T? {
            guard let text else { return nil }
            guard let value = T(text) else {
                throw CommandFailure(message: "invalid argument \"\(text)\" for \"\(flag)\" flag: \(what)", exitCode: 125)
            }
            return value
        }
        func bytes(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            do { return try OptionParsing.bytes(text) } catch {
                throw CommandFailure(message: "invalid argument \"\(text)\" for \"\(flag)\" flag: invalid size: '\(text)'", exitCode: 125)
            }
        }
        var update = ResourceUpdate()
        update.memory = try bytes(memory, "-m, --memory")
        update.memorySwap = try bytes(memorySwap, "--memory-swap")
        update.memoryReservation = try bytes(memoryReservation, "--memory-reservation")
        update.cpus = try number(cpus, "--cpus", "failed to parse \(cpus ?? "") as a rational number")
        update.cpuShares = try number(cpuShares, "-c, --cpu-shares", "strconv.ParseInt: parsing \"\(cpuShares ?? "")\": invalid syntax")
        update.cpuQuota = try number(cpuQuota, "--cpu-quota", "strconv.ParseInt: parsing \"\(cpuQuota ?? "")\": invalid syntax")
        update.cpuPeriod = try number(cpuPeriod, "--cpu-period", "strconv.ParseInt: parsing \"\(cpuPeriod ?? "")\": invalid syntax")
        update.cpusetCpus = cpusetCpus
        update.pidsLimit = try number(pidsLimit, "--pids-limit", "strconv.ParseInt: parsing \"\(pidsLimit ?? "")\": invalid syntax")
        update.restartPolicy = restart
        return update
    }
}
