import Foundation
import Glibc
import SwrunRuntime
import Testing

/// `awaitExit` blocks on the real event (a pidfd, an inotify watch): each test makes
/// the event happen, or not, and checks when the wait returned.
@Suite struct AwaitExitTests {
    /// `cat` reading a pipe: it runs until `writeEnd` is closed.
    struct Reader {
        let pid: pid_t
        var writeEnd: Int32

        init() throws {
            var fds: [Int32] = [-1, -1]
            try #require(pipe(&fds) == 0)
            // Close-on-exec, so no process another test starts holds the pipe open.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("cat"), nil]
            defer { free(argv[0]) }
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, "/bin/cat", &actions, nil, argv, environ)
            close(fds[0])
            try #require(rc == 0)
            self.pid = pid
            self.writeEnd = fds[1]
        }

        /// Ends `cat` (end of file on its stdin).
        mutating func end() {
            if writeEnd >= 0 { close(writeEnd) }
            writeEnd = -1
        }

        /// Ends and reaps it.
        mutating func reap() {
            end()
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    @Test func returnsOnceTheProcessHasExited() throws {
        var reader = try Reader()
        reader.end()
        let start = ContinuousClock.now
        // Not reaped yet: a zombie has exited.
        #expect(ContainerRuntime.awaitExit(of: reader.pid, deadline: start + .seconds(30)))
        #expect(ContinuousClock.now - start < .seconds(10))
        reader.reap()
        // Reaped: nothing left to wait for.
        #expect(ContainerRuntime.awaitExit(of: reader.pid, deadline: .now + .seconds(30)))
    }

    @Test func honoursTheDeadline() throws {
        var reader = try Reader()
        defer { reader.reap() }
        let start = ContinuousClock.now
        #expect(!ContainerRuntime.awaitExit(of: reader.pid, deadline: start + .milliseconds(200)))
        #expect(ContinuousClock.now - start >= .milliseconds(200))
        #expect(kill(reader.pid, 0) == 0)
    }

    @Test func returnsWhenTheDirectoryChanges() throws {
        var reader = try Reader()
        defer { reader.reap() }
        let dir = NSTemporaryDirectory() + "await-exit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let changes = DirectoryWatch(dir)
        try "0 0 0\n".write(toFile: dir + "/exit.tmp", atomically: false, encoding: .utf8)
        try #require(rename(dir + "/exit.tmp", dir + "/exit") == 0)
        #expect(ContainerRuntime.awaitExit(of: reader.pid, changes: changes, deadline: .now + .seconds(30)))
        #expect(kill(reader.pid, 0) == 0)
        // The event was consumed: the next wait blocks until its deadline.
        #expect(!ContainerRuntime.awaitExit(of: reader.pid, changes: changes, deadline: .now + .milliseconds(50)))
    }

    @Test func anotherProcessUnderThePIDIsNotWaitedFor() throws {
        var reader = try Reader()
        defer { reader.reap() }
        #expect(ContainerRuntime.awaitExit(of: reader.pid, deadline: .now + .seconds(30), isSame: { false }))
        #expect(kill(reader.pid, 0) == 0)
    }
}
