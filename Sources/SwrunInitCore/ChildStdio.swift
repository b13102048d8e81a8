import CSwrun
import Glibc
import SwrunOS

/// The container's standard streams as the monitor sets them up before clone: pipes
/// it reads (stdout, stderr) and writes (stdin with -i), or nothing for a terminal,
/// which the child opens from its own devpts instance.
package struct ChildStdio {
    /// The child's ends, dup'd onto 0, 1, 2 (-1 for a terminal).
    package var childStdin: Int32 = -1
    package var childStdout: Int32 = -1
    package var childStderr: Int32 = -1
    /// The monitor's ends.
    package var stdinWriter: Int32 = -1
    package var stdoutReader: Int32 = -1
    package var stderrReader: Int32 = -1

    package init(config: InitConfig) throws {
        // Runtime mode: the caller's own fds 0–2 are the container's.
        if config.tty || config.runtimeMode { return }
        if config.openStdin {
            (childStdin, stdinWriter) = try Self.pipe()
        } else {
            childStdin = open("/dev/null", O_RDONLY | O_CLOEXEC)
            try check(childStdin, "open /dev/null")
        }
        (stdoutReader, childStdout) = try Self.pipe()
        (stderrReader, childStderr) = try Self.pipe()
    }

    private static func pipe() throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        try check(sw_pipe_cloexec(&fds), "pipe")
        return (fds[0], fds[1])
    }

    /// In the child: put its ends on 0, 1, 2 and drop the monitor's.
    package func installInChild() throws {
        guard childStdout >= 0 else { return }
        try check(dup2(childStdin, 0), "dup2 stdin")
        try check(dup2(childStdout, 1), "dup2 stdout")
        try check(dup2(childStderr, 2), "dup2 stderr")
        for fd in [childStdin, childStdout, childStderr, stdinWriter, stdoutReader, stderrReader] where fd > 2 {
            close(fd)
        }
    }

    /// In the monitor: drop the child's ends so end of file is seen when it exits.
    package func closeChildEnds() {
        for fd in [childStdin, childStdout, childStderr] where fd >= 0 { close(fd) }
    }
}
