import Foundation
import Testing

/// `update` and `run` check resources with one set of checks (docker's daemon has one):
/// the same words for the same bad value, and docker's one difference.
@Suite("update: run's checks", .serialized)
struct UpdateChecksTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func sameValuesSameWords() {
        #expect(swrun.run(["run", "-d", "--network", "none", "-m", "32m", "--name", "u", "busybox", "sleep", "600"]).status == 0)
        defer { swrun.run(["rm", "-f", "u"]) }
        for flags in [["--cpus", "0.001"], ["-m", "1k"], ["-m", "64m", "--memory-swap", "32m"], ["--cpuset-cpus", "0-a"]] {
            let run = swrun.run(["run", "--rm", "--network", "none"] + flags + ["busybox", "true"])
            let update = swrun.run(["update"] + flags + ["u"])
            #expect(run.status == 125 && update.status == 1, "\(flags): \(run) \(update)")
            #expect(!run.err.isEmpty && run.err == update.err, "\(flags): \(run) \(update)")
        }
        // Only an update may set the swap limit alone: the container has its memory limit.
        let run = swrun.run(["run", "--rm", "--network", "none", "--memory-swap", "64m", "busybox", "true"])
        #expect(run.status == 125 && run.err.contains("You should always set the Memory limit when using Memoryswap limit, see usage"), "\(run)")
        #expect(swrun.run(["update", "--memory-swap", "64m", "u"]).status == 0)
        #expect(swrun.run(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", "u"]).out == "33554432 67108864")
    }
}
