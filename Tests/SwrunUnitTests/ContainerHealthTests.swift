import GoTemplate
import SwrunOCI
import SwrunRuntime
import Testing

/// docker's health bookkeeping and healthcheck merge, and Go's duration text.
@Suite struct ContainerHealthTests {
    typealias Check = ImageConfigFile.Healthcheck

    private func probe(_ code: Int) -> ContainerHealth.Probe {
        ContainerHealth.Probe(start: "s", end: "e", exitCode: code, output: "")
    }

    @Test func retriesFailuresInARowMakeItUnhealthyAndOneSuccessHealthy() {
        var health = ContainerHealth.starting
        health = health.recording(probe(1), retries: 3, inStartPeriod: false)
        #expect(health.status == "starting" && health.failingStreak == 1)
        health = health.recording(probe(1), retries: 3, inStartPeriod: false)
        health = health.recording(probe(1), retries: 3, inStartPeriod: false)
        #expect(health.status == "unhealthy" && health.failingStreak == 3)
        health = health.recording(probe(0), retries: 3, inStartPeriod: false)
        #expect(health.status == "healthy" && health.failingStreak == 0)
        for _ in 0..<7 { health = health.recording(probe(0), retries: 3, inStartPeriod: false) }
        #expect(health.log.count == 5)
    }

    @Test func failuresInTheStartPeriodDoNotCount() {
        let health = ContainerHealth.starting.recording(probe(1), retries: 1, inStartPeriod: true)
        #expect(health.status == "starting" && health.failingStreak == 0 && health.log.count == 1)
        #expect(health.recording(probe(0), retries: 1, inStartPeriod: true).status == "healthy")
    }

    @Test func flagsOverrideTheImageFieldByField() {
        let image = Check(test: ["CMD", "check"], interval: 5_000_000_000, timeout: 2_000_000_000, retries: 4)
        let flags = Check(test: [], interval: 1_000_000_000)
        let merged = ContainerHealth.resolve(image: image, flags: flags)
        #expect(merged == Check(test: ["CMD", "check"], interval: 1_000_000_000, timeout: 2_000_000_000, retries: 4))
        #expect(ContainerHealth.resolve(image: image, flags: Check(test: ["NONE"])) == nil)
        #expect(ContainerHealth.resolve(image: Check(test: ["NONE"]), flags: nil) == nil)
        #expect(ContainerHealth.resolve(image: nil, flags: nil) == nil)
        #expect(ContainerHealth.resolve(image: nil, flags: Check(test: ["CMD-SHELL", "true"]))?.test == ["CMD-SHELL", "true"])
    }

    @Test func durationsPrintAsGoPrintsThem() {
        #expect(GoDuration.format(0) == "0s")
        #expect(GoDuration.format(300_000_000) == "300ms")
        #expect(GoDuration.format(1_500_000) == "1.5ms")
        #expect(GoDuration.format(30_000_000_000) == "30s")
        #expect(GoDuration.format(1_500_000_000) == "1.5s")
        #expect(GoDuration.format(120_000_000_000) == "2m0s")
        #expect(GoDuration.format(5_400_000_000_000) == "1h30m0s")
        #expect(GoDuration.format(999) == "999ns")
    }
}
