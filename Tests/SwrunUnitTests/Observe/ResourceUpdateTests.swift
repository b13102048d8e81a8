import SwrunCgroups
import SwrunOS
import SwrunRuntime
import Testing

/// `update`'s checks and merge, in docker's words.
@Suite struct ResourceUpdateTests {
    func update(_ change: (inout ResourceUpdate) -> Void) -> ResourceUpdate {
        var update = ResourceUpdate()
        change(&update)
        return update
    }

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as SwrunError { return error.message } catch { return "\(error)" }
        return nil
    }

    @Test func valuesDockerRefuses() {
        #expect(message { try update { $0.memory = 1024 }.validate(onlineCPUs: 2) } == "Minimum memory limit allowed is 6MB")
        #expect(message { try update { $0.memory = 64 << 20; $0.memorySwap = 32 << 20 }.validate(onlineCPUs: 2) }
            == "Minimum memoryswap limit should be larger than memory limit, see usage")
        #expect(message { try update { $0.memoryReservation = 1 << 20 }.validate(onlineCPUs: 2) } == "Minimum memory reservation allowed is 6MB")
        #expect(message { try update { $0.cpus = 3 }.validate(onlineCPUs: 2) }
            == "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available")
        #expect(message { try update { $0.cpus = 1; $0.cpuQuota = 50_000 }.validate(onlineCPUs: 2) }
            == "Conflicting options: Nano CPUs and CPU Quota cannot both be set")
        #expect(message { try update { $0.cpuPeriod = 10 }.validate(onlineCPUs: 2) }
            == "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
        #expect(message { try update { $0.cpusetCpus = "0-a" }.validate(onlineCPUs: 2) } == "Invalid value 0-a for cpuset cpus")
        #expect(message { try update { $0.cpusetCpus = "5" }.validate(onlineCPUs: 2) }
            == "Requested CPUs are not available - requested 5, available: 0-1")
        #expect(message { try update { $0.restartPolicy = "sometimes" }.validate(onlineCPUs: 2) }?.hasPrefix("invalid restart policy") == true)
        #expect(message { try update { $0.memory = 64 << 20; $0.cpus = 1.5; $0.cpusetCpus = "0-1"; $0.restartPolicy = "on-failure:3" }
            .validate(onlineCPUs: 2) } == nil)
    }

    /// One set of checks serves run and update: the same words for the same values,
    /// and docker's one difference (an update may set the swap limit alone).
    @Test func runAndUpdateShareTheirChecks() {
        func run(_ change: (inout ContainerOptions) -> Void) -> String? {
            var options = ContainerOptions()
            change(&options)
            return message { try options.validate(cpuCount: 2, onlineCPUs: "0-1") }
        }
        let cases: [(update: (inout ResourceUpdate) -> Void, run: (inout ContainerOptions) -> Void)] = [
            ({ $0.memory = 1024 }, { $0.memory = 1024 }),
            ({ $0.memory = 64 << 20; $0.memorySwap = 32 << 20 }, { $0.memory = 64 << 20; $0.memorySwap = 32 << 20 }),
            ({ $0.cpus = 3 }, { $0.cpus = 3 }),
            ({ $0.cpus = 0.001 }, { $0.cpus = 0.001 }),
            ({ $0.cpusetCpus = "0-a" }, { $0.cpusetCpus = "0-a" }),
            ({ $0.cpusetCpus = "7" }, { $0.cpusetCpus = "7" }),
        ]
        for (updateChange, runChange) in cases {
            let updateMessage = message { try update(updateChange).validate(onlineCPUs: 2) }
            #expect(updateMessage != nil && updateMessage == run(runChange))
        }
        #expect(run { $0.memorySwap = 64 << 20 } == "You should always set the Memory limit when using Memoryswap limit, see usage")
        #expect(message { try update { $0.memorySwap = 64 << 20 }.validate(onlineCPUs: 2) } == nil)
        #expect(message { try update { $0.memory = 8 << 20; $0.memoryReservation = 16 << 20 }.validate(onlineCPUs: 2) }
            == "Minimum memory limit can not be less than memory reservation limit, see usage")
    }

    @Test func mergeKeepsWhatIsNotGiven() throws {
        var current = CgroupLimits(memory: 64 << 20, cpuShares: 512, pidsLimit: 100)
        current.restrictDevices = true
        let merged = try update { $0.cpus = 0.5; $0.pidsLimit = -1 }.applied(to: current)
        #expect(merged.memory == 64 << 20)
        #expect(merged.cpuShares == 512)
        #expect(merged.cpus == 0.5)
        #expect(merged.pidsLimit == -1)
        #expect(merged.restrictDevices == false)
    }

    @Test func conflictsWithWhatIsSet() {
        let nano = CgroupLimits(cpus: 1)
        #expect(message { _ = try update { $0.cpuQuota = 50_000 }.applied(to: nano) }
            == "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")
        var quota = CgroupLimits()
        quota.cfsQuota = 50_000
        #expect(message { _ = try update { $0.cpus = 1 }.applied(to: quota) }
            == "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")
        let limited = CgroupLimits(memory: 64 << 20, memorySwap: 128 << 20)
        #expect(message { _ = try update { $0.memory = 256 << 20 }.applied(to: limited) }
            == "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
        #expect(message { _ = try update { $0.memory = 256 << 20; $0.memorySwap = -1 }.applied(to: limited) } == nil)
    }
}
