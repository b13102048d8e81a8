import Foundation
import Testing

/// `swrun create` then `start`: the container is made as `run` makes it and runs only
/// when started; its network is set up by the start.
@Suite(.serialized) struct CreateTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func createMakesAStoppedContainerThatStartRuns() {
        let create = swrun.run(["create", "--name", "made", "-e", "A=1", "-w", "/tmp", "busybox", "sh", "-c", "echo A=$A; pwd"])
        #expect(create.status == 0, "\(create)")
        #expect(create.out.count == 64 && create.out.allSatisfy(\.isHexDigit), "\(create)")
        #expect(swrun.run(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]).out == "made Created")
        #expect(swrun.run(["ps", "-q"]).out.isEmpty, "not running")
        #expect(swrun.run(["inspect", "-f", "{{.State.Status}} {{.Id}}", "made"]).out == "created " + create.out)
        #expect(swrun.run(["logs", "made"]).stdout.isEmpty)
        let start = swrun.run(["start", "-a", "made"])
        #expect(start.status == 0 && start.stdout == "A=1\n/tmp\n", "\(start)")
        #expect(swrun.run(["ps", "-a", "--format", "{{.Status}}"]).out.hasPrefix("Exited (0)"))
        #expect(swrun.run(["logs", "made"]).stdout == "A=1\n/tmp\n")
    }

    @Test func createdContainerStartsDetachedAndTakesExec() {
        let create = swrun.run(["container", "create", "--name", "bg", "busybox", "sleep", "60"])
        #expect(create.status == 0, "\(create)")
        #expect(swrun.run(["start", "bg"]).out == "bg")
        #expect(swrun.run(["exec", "bg", "echo", "inside"]).out == "inside")
        #expect(swrun.run(["inspect", "-f", "{{.State.Status}}", "bg"]).out == "running")
        #expect(swrun.run(["rm", "-f", "bg"]).status == 0)
    }

    /// A container created on the default bridge gets its address when it starts.
    @Test func createdContainerGetsItsNetworkAtStart() {
        let create = swrun.run(["create", "--name", "net", "busybox", "sh", "-c", "ip -4 -o addr show eth0 | wc -l; tail -1 /etc/hosts"])
        #expect(create.status == 0, "\(create)")
        let start = swrun.run(["start", "-a", "net"])
        #expect(start.status == 0, "\(start)")
        #expect(start.lines.first == "1", "\(start)")
        #expect(start.lines.last?.hasSuffix(String(create.out.prefix(12))) == true, "\(start)")
    }

    @Test func badCreatesLeaveNothing() {
        #expect(swrun.run(["create", "--name", "dup", "busybox"]).status == 0)
        let again = swrun.run(["create", "--name", "dup", "busybox"])
        #expect(again.status == 125, "\(again)")
        #expect(again.err.contains("is already in use"), "\(again)")
        let badFlag = swrun.run(["create", "--memory", "x", "busybox"])
        #expect(badFlag.status == 125, "\(badFlag)")
        let badNetwork = swrun.run(["create", "--network", "nosuch", "busybox"])
        #expect(badNetwork.status == 125, "\(badNetwork)")
        #expect(swrun.containerIDs().count == 1)
    }
}
