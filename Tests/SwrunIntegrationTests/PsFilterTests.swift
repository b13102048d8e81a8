import Foundation
import Testing

/// `ps --filter/-n/-l/-s`, `container prune --filter`, `system prune`, and docker's
/// `image ls` / `container ls` names.
@Suite("ps filters and prunes", .serialized)
struct PsFilterTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    func names(_ arguments: [String]) -> [String] {
        let result = swrun.run(["ps", "--format", "{{.Names}}"] + arguments)
        #expect(result.status == 0, "\(result)")
        return result.lines
    }

    /// Three containers, oldest first: "ok" exited 0, "bad" exited 3 (labelled), "up" running.
    func makeThree() {
        #expect(swrun.run(["run", "--name", "ok", "--label", "tier=back", "busybox", "true"]).status == 0)
        #expect(swrun.run(["run", "--name", "bad", "--label", "tier=front", "--label", "team", "-v", swrun.scratch + ":/data",
                           "busybox", "sh", "-c", "exit 3"]).status == 3)
        #expect(swrun.run(["run", "-d", "--name", "up", "--network", "none", "busybox", "sleep", "600"]).status == 0)
    }

    @Test func filtersCombineAsDockers() {
        makeThree()
        #expect(names([]) == ["up"])
        #expect(names(["-a"]) == ["up", "bad", "ok"])
        #expect(names(["--filter", "status=exited"]) == ["bad", "ok"])
        #expect(names(["-f", "status=exited", "-f", "status=running"]) == ["up", "bad", "ok"])
        #expect(names(["-a", "--filter", "exited=3"]) == ["bad"])
        #expect(names(["-a", "--filter", "label=tier"]) == ["bad", "ok"])
        #expect(names(["-a", "--filter", "label=tier=front", "--filter", "label=team"]) == ["bad"])
        #expect(names(["-a", "--filter", "label=tier", "--filter", "name=ok"]) == ["ok"])
        #expect(names(["-a", "--filter", "name=^b"]) == ["bad"])
        #expect(names(["-a", "--filter", "ancestor=busybox"]) == ["up", "bad", "ok"])
        #expect(names(["-a", "--filter", "ancestor=alpine"]).isEmpty)
        #expect(names(["-a", "--filter", "before=up"]) == ["bad", "ok"])
        #expect(names(["-a", "--filter", "since=ok"]) == ["up", "bad"])
        #expect(names(["-a", "--filter", "volume=/data"]) == ["bad"])
        #expect(names(["-a", "--filter", "network=none"]) == ["up"])
        #expect(names(["-a", "--filter", "health=none"]) == ["up", "bad", "ok"])
        let id = swrun.run(["ps", "-q", "--no-trunc", "--filter", "name=up"]).out
        #expect(names(["--filter", "id=" + id.prefix(6)]) == ["up"])
    }

    @Test func lastAndLatestIncludeEveryState() {
        makeThree()
        #expect(names(["-n", "2"]) == ["up", "bad"])
        #expect(names(["-l"]) == ["up"])
        #expect(swrun.run(["stop", "-t", "0", "up"]).status == 0)
        #expect(names(["--latest"]) == ["up"])
    }

    @Test func badFiltersAreRefused() {
        let bad = swrun.run(["ps", "--filter", "status=sleeping"])
        #expect(bad.status == 125)
        #expect(bad.err == "swrun: invalid filter 'status=sleeping'")
        let unknown = swrun.run(["ps", "--filter", "colour=red"])
        #expect(unknown.err == "swrun: invalid filter 'colour'")
    }

    @Test func sizeColumnShowsTheWritableLayer() {
        #expect(swrun.run(["run", "--name", "writer", "busybox", "sh", "-c", "head -c 5000 /dev/zero > /file"]).status == 0)
        let table = swrun.run(["ps", "-a", "-s"])
        #expect(table.lines.first?.hasSuffix("SIZE") == true, "\(table)")
        let size = swrun.run(["ps", "-a", "--format", "{{.Size}}"])
        #expect(size.out.hasPrefix("5kB (virtual "), "\(size)")
    }

    @Test func containerPruneFilters() {
        makeThree()
        let pruned = swrun.run(["container", "prune", "-f", "--filter", "label=tier=front"])
        #expect(pruned.status == 0, "\(pruned)")
        #expect(names(["-a"]) == ["up", "ok"])
        let none = swrun.run(["container", "prune", "-f", "--filter", "until=1h"])
        #expect(none.out == "Total reclaimed space: 0B", "\(none)")
        #expect(names(["-a"]) == ["up", "ok"])
        let refused = swrun.run(["container", "prune", "-f", "--filter", "status=exited"])
        #expect(refused.err == "swrun: invalid filter 'status'")
    }

    @Test func systemPruneRemovesStoppedContainersAndUnusedNetworks() {
        makeThree()
        #expect(swrun.run(["network", "create", "spare"]).status == 0)
        let result = swrun.run(["system", "prune", "-f"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Deleted Containers:\n"))
        #expect(result.stdout.contains("Deleted Networks:\nspare\n"))
        #expect(result.lines.last?.hasPrefix("Total reclaimed space: ") == true)
        #expect(names(["-a"]) == ["up"])
        // busybox is in use and tagged: it stays, even with -a while "up" exists.
        #expect(swrun.run(["system", "prune", "-a", "-f"]).status == 0)
        #expect(swrun.run(["image", "ls", "-q"]).lines.count == 1)
    }

    @Test func systemPruneAsksFirst() {
        let result = swrun.run(["system", "prune"], stdin: Data("n\n".utf8))
        #expect(result.stdout.hasPrefix("WARNING! This will remove:\n  - all stopped containers\n"))
        #expect(result.stdout.contains("Are you sure you want to continue? [y/N] "))
    }

    @Test func dockersListNames() {
        makeThree()
        for command in [["container", "ls"], ["container", "list"], ["container", "ps"]] {
            let result = swrun.run(command + ["--format", "{{.Names}}"])
            #expect(result.lines == ["up"], "\(command): \(result)")
        }
        #expect(swrun.run(["image", "ls", "--format", "{{.Repository}}"]).lines == ["busybox"])
        #expect(swrun.run(["image", "list", "-q"]).status == 0)
    }
}
