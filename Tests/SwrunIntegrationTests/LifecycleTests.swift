import Foundation
import Glibc
import Testing

/// Containers after they stop: `ps`, `rm`, names, cleanup of `--rm`, and concurrent runs.
@Suite("container lifecycle: ps, rm, cleanup, concurrency", .serialized)
struct LifecycleTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func stoppedContainerIsListedWithItsExitCode() {
        let run = swrun.run(["run", "--name", "keeper", "busybox", "sh", "-c", "exit 3"])
        #expect(run.status == 3, "\(run)")
        let ids = swrun.containerIDs()
        #expect(ids.count == 1)
        guard let id = ids.first else { return }
        #expect(swrun.containerDirectories() == [id])
        let state = Host.read(swrun.root + "/containers/" + id + "/state.json") ?? ""
        #expect(!state.isEmpty)

        let running = swrun.run(["ps"])
        #expect(running.status == 0, "\(running)")
        #expect(running.lines.count == 1, "only the header: \(running)")
        #expect(running.lines.first?.hasPrefix("CONTAINER ID") == true)

        let all = swrun.run(["ps", "-a"])
        #expect(all.lines.count == 2, "\(all)")
        let row = all.lines.last ?? ""
        #expect(row.hasPrefix(String(id.prefix(12)) + " "), "\(row)")
        #expect(row.contains("busybox"))
        #expect(row.contains("Exited (3)"), "\(row)")
        #expect(row.hasSuffix("keeper"), "\(row)")

        #expect(swrun.run(["ps", "-a", "-q"]).lines == [String(id.prefix(12))])
        let noTrunc = swrun.run(["ps", "-a", "--no-trunc"])
        #expect(noTrunc.lines.last?.hasPrefix(id) == true, "\(noTrunc)")
    }

    @Test func rmByNameRemovesTheDirectory() {
        #expect(swrun.run(["run", "--name", "byname", "busybox", "true"]).status == 0)
        let id = swrun.containerIDs().first ?? "missing"
        let removed = swrun.run(["rm", "byname"])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "byname\n")
        #expect(!Host.exists(swrun.root + "/containers/" + id))
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func rmByIDPrefixAndSeveralAtOnce() {
        #expect(swrun.run(["run", "busybox", "true"]).status == 0)
        #expect(swrun.run(["run", "busybox", "true"]).status == 0)
        let ids = swrun.containerIDs()
        #expect(ids.count == 2)
        let references = ids.map { String($0.prefix(12)) }
        let removed = swrun.run(["rm"] + references)
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.lines.sorted() == references.sorted())
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func rmOfAMissingContainerFails() {
        let result = swrun.run(["rm", "nosuchcontainer"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("No such container"), "\(result)")
        #expect(result.stderr.contains("nosuchcontainer"), "\(result)")
    }

    @Test func rmContinuesPastAMissingOne() {
        #expect(swrun.run(["run", "--name", "real", "busybox", "true"]).status == 0)
        let result = swrun.run(["rm", "ghost", "real"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stdout == "real\n")
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func duplicateNameIsRefused() {
        #expect(swrun.run(["run", "--name", "twice", "busybox", "true"]).status == 0)
        let second = swrun.run(["run", "--name", "twice", "busybox", "true"])
        #expect(second.status == 125, "\(second)")
        #expect(second.stderr.contains("twice"), "\(second)")
        #expect(swrun.containerIDs().count == 1)
    }

    @Test func rmForceRemovesARunningContainer() throws {
        let running = try swrun.start(["run", "--name", "busy", "busybox", "sh", "-c", "echo ready; sleep 30"])
        #expect(running.waitForOutput("ready"))
        let listed = swrun.run(["ps"])
        #expect(listed.lines.count == 2, "\(listed)")
        #expect(listed.lines.last?.contains("Up ") == true, "\(listed)")
        let refused = swrun.run(["rm", "busy"])
        #expect(refused.status != 0, "rm without -f of a running container: \(refused)")
        let forced = swrun.run(["rm", "-f", "busy"])
        #expect(forced.status == 0, "\(forced)")
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut, "\(result)")
        #expect(result.status == 137, "\(result)")
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func rmFlagLeavesNothingBehind() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo data > /etc/new; hostname"])
        #expect(result.status == 0, "\(result)")
        #expect(swrun.containerDirectories().isEmpty)
        #expect(swrun.containerIDs().isEmpty)
        #expect(!(Host.read("/proc/self/mountinfo") ?? "").contains(swrun.root))
        #expect(result.out.count == 12, "\(result)")
        for parent in Host.cgroupParentDirectories() {
            let children = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            #expect(!children.contains { $0.hasPrefix(result.out) }, "\(parent) still holds \(result.out)…")
        }
    }

    @Test func failedStartWithRmLeavesNothingBehind() {
        let result = swrun.runRm(["busybox", "nosuchcmd"])
        #expect(result.status == 127, "\(result)")
        #expect(swrun.containerDirectories().isEmpty)
        #expect(!(Host.read("/proc/self/mountinfo") ?? "").contains(swrun.root))
    }

    @Test func concurrentFirstRunsSeedTheStoreOnce() throws {
        let first = try swrun.start(["run", "--rm", "busybox", "true"])
        let second = try swrun.start(["run", "--rm", "busybox", "true"])
        let results = [first.wait(), second.wait()]
        for result in results { #expect(result.status == 0, "\(result)") }
        #expect(swrun.layerDirectories().count == 1, "\(swrun.layerDirectories())")
        let images = swrun.run(["images", "-q"])
        #expect(images.lines.count == 1, "\(images)")
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func concurrentRunsGetDistinctContainers() throws {
        let starts = try (0..<4).map { _ in try swrun.start(["run", "busybox", "hostname"]) }
        let results = starts.map { $0.wait() }
        for result in results { #expect(result.status == 0, "\(result)") }
        let hostnames = Set(results.map(\.out))
        #expect(hostnames.count == 4)
        #expect(Set(swrun.containerIDs().map { String($0.prefix(12)) }) == hostnames)
    }

    @Test func imagesListsTheSeededImages() {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let images = swrun.run(["images"])
        #expect(images.status == 0, "\(images)")
        #expect(images.lines.first?.hasPrefix("REPOSITORY") == true)
        #expect(images.lines.contains { $0.hasPrefix("busybox ") && $0.contains(" latest ") }, "\(images)")
    }
}
