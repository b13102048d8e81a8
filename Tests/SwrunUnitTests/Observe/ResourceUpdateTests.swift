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
