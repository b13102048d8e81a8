import Foundation
import Testing

/// `swrun cp`: files and trees both ways, stopped and running containers, and paths
/// that must resolve inside the container's root however its symlinks point.
@Suite("cp: files between containers and the host", .serialized)
struct CpTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// Creates a stopped container named `name` after running `script` in it.
    func stopped(_ name: String, _ script: String) {
        let result = swrun.run(["run", "--name", name, "busybox", "sh", "-c", script])
        #expect(result.status == 0, "\(result)")
    }

    @Test("container → host: a file, a directory, and a file a lower layer has")
    func copyOut() throws {
        stopped("out", "mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b && ln -s a /data/link")
        let file = swrun.scratch + "/a"
        #expect(swrun.run(["cp", "out:/data/a", file]).status == 0)
        #expect(Host.read(file) == "one\n")
        let tree = swrun.scratch + "/tree"
        let copied = swrun.run(["cp", "out:/data", tree])
        #expect(copied.status == 0, "\(copied)")
        #expect(Host.read(tree + "/sub/b") == "two\n")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: tree + "/link")) == "a")
        let passwd = swrun.scratch + "/passwd"
        #expect(swrun.run(["cp", "out:/etc/passwd", passwd]).status == 0)
        #expect(Host.read(passwd)?.hasPrefix("root:") == true)
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "out"]).out
        let hostname = swrun.scratch + "/hostname"
        #expect(swrun.run(["cp", "out:/etc/hostname", hostname]).status == 0)
        #expect(Host.read(hostname) == String(id.prefix(12)) + "\n")
        let missing = swrun.run(["cp", "out:/nonexistent", swrun.scratch + "/x"])
        #expect(missing.status != 0)
    }

    @Test("a deleted image file is gone in the container, so cp finds nothing")
    func whiteout() throws {
        stopped("wh", "rm /etc/passwd")
        let result = swrun.run(["cp", "wh:/etc/passwd", swrun.scratch + "/p"])
        #expect(result.status != 0)
        #expect(!Host.exists(swrun.scratch + "/p"))
    }

    @Test("host → stopped container: a file and a tree, seen when it starts again")
    func copyInStopped() throws {
        stopped("in", "true")
        let file = swrun.scratch + "/hello.txt"
        try "hello\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(swrun.run(["cp", file, "in:/etc/hello.txt"]).status == 0)
        let tree = swrun.scratch + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/inner", withIntermediateDirectories: true)
        try "deep\n".write(toFile: tree + "/inner/f", atomically: true, encoding: .utf8)
        #expect(swrun.run(["cp", tree, "in:/var/"]).status == 0)
        let back = swrun.scratch + "/back"
        #expect(swrun.run(["cp", "in:/var/tree/inner/f", back]).status == 0)
        #expect(Host.read(back) == "deep\n")
        let started = swrun.run(["start", "-a", "in"])
        #expect(started.status == 0)
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "in"]).out
        let upper = swrun.root + "/containers/" + id + "/upper"
        #expect(Host.read(upper + "/etc/hello.txt") == "hello\n")
    }

    @Test("host ↔ running container")
    func running() throws {
        let started = swrun.run(["run", "-d", "--name", "live", "busybox", "sh", "-c", "echo running > /state; sleep 60"])
        #expect(started.status == 0)
        let file = swrun.scratch + "/in.txt"
        try "to-live\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(swrun.run(["cp", file, "live:/tmp/in.txt"]).status == 0)
        let seen = swrun.run(["exec", "live", "cat", "/tmp/in.txt"])
        #expect(seen.out == "to-live", "\(seen)")
        var out = ""
        for _ in 0..<50 {
            let copied = swrun.run(["cp", "live:/state", swrun.scratch + "/state"])
            if copied.status == 0, let text = Host.read(swrun.scratch + "/state") { out = text; break }
            usleep(100_000)
        }
        #expect(out == "running\n")
        _ = swrun.run(["rm", "-f", "live"])
    }

    @Test("a symlink to /etc resolves inside the container, both ways")
    func symlinkEscape() throws {
        stopped("evil", "ln -s /etc /tmp/evil && echo container-root:x:0:0::/:/bin/sh > /etc/passwd && ln -s ../../../../../../etc/shadow /tmp/deep")
        let hostPasswd = Host.read("/etc/passwd")
        let out = swrun.scratch + "/out"
        let copied = swrun.run(["cp", "evil:/tmp/evil/passwd", out])
        #expect(copied.status == 0, "\(copied)")
        #expect(Host.read(out) == "container-root:x:0:0::/:/bin/sh\n")
        let marker = "swrun-cp-\(UUID().uuidString.prefix(8))"
        let file = swrun.scratch + "/" + marker
        try "x\n".write(toFile: file, atomically: true, encoding: .utf8)
        let written = swrun.run(["cp", file, "evil:/tmp/evil/" + marker])
        #expect(written.status == 0, "\(written)")
        #expect(!Host.exists("/etc/" + marker))
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "evil"]).out
        #expect(Host.exists(swrun.root + "/containers/" + id + "/upper/etc/" + marker))
        #expect(Host.read("/etc/passwd") == hostPasswd)
        let shadow = swrun.run(["cp", "evil:/tmp/deep", swrun.scratch + "/shadow"])
        // The link itself is copied (the last component is not followed).
        #expect(shadow.status == 0)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: swrun.scratch + "/shadow")) == "../../../../../../etc/shadow")
    }
}
