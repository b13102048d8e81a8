import CSwrun
import Glibc
import SwrunOS

/// The server process: `aardvark-dns --config DIR -p PORT run` forks a daemon (new
/// session, stdio on /dev/null) that writes `aardvark.pid`, and returns once the pid
/// file exists, before the daemon binds its sockets; SIGHUP makes the daemon close its
/// sockets, read the directory again and bind anew; SIGTERM ends it (it leaves its pid
/// file). Every call here runs under the directory's lock.
extension AardvarkDNS {
    /// The arguments the server runs with: how its process is told from another one
    /// that took a stale pid.
    var serverArguments: [String] { [binary, "--config", configDirectory, "-p", String(port), "run"] }

    /// The pid in the pid file when that process is this directory's live server.
    func runningServer() -> Int32? {
        guard let text = try? FileIO.readString(pidPath),
            let pid = Int32(text.filter { !$0.isWhitespace }), pid > 0, isServer(pid) else { return nil }
        return pid
    }

    /// Whether `pid` runs the server with these arguments (a zombie has none).
    func isServer(_ pid: Int32) -> Bool {
        guard let bytes = try? FileIO.readFile("/proc/\(pid)/cmdline") else { return false }
        let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
        return arguments == serverArguments
    }

    /// Starts the server in the caller's network namespace, with no fd of this process
    /// but /dev/null and a pipe for its early errors, from "/" (`env -C /`: a daemon
    /// must not keep the caller's directory busy), and waits until it listens on
    /// `addresses`.
    func start(until addresses: [[UInt8]]) throws {
        unlink(pidPath)
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw SwrunError.system("open /dev/null") }
        defer { close(devNull) }
        var errors: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&errors) == 0 else { throw SwrunError.system("pipe") }
        defer { close(errors[0]) }
        let launcher = "/usr/bin/env"
        let argv: [UnsafeMutablePointer<CChar>?] = ([launcher, "-C", "/"] + serverArguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let launched = sw_spawn(launcher, argv, envp, [devNull, devNull, errors[1]], 3, 1)
        close(errors[1])
        guard launched > 0 else { throw SwrunError.system("spawn \(binary)") }
        let status = try awaitLauncher(launched)
        let message = Self.errorText(readAvailable(errors[0]))
        guard sw_wifexited(status) != 0 && sw_wexitstatus(status) == 0, let server = runningServer() else {
            throw SwrunError(.system, "start \(binary)" + (message.isEmpty ? ": it did not start" : ": " + message))
        }
        try awaitSockets(of: server, on: addresses, replacing: [])
    }

    /// Makes the server read the directory again and waits until it listens anew: on
    /// `addresses`, or anywhere when there are none.
    func reload(_ server: Int32, until addresses: [[UInt8]]) throws {
        let before = UDPSocketTable(pid: server).inodes(port: port)
        try signal(server, SIGHUP)
        try awaitSockets(of: server, on: addresses, replacing: before)
    }

    /// Ends the server if it runs, waits for its end, and removes its pid file.
    func stopServer() throws {
        defer { unlink(pidPath) }
        guard let server = runningServer() else { return }
        let pidfd = sw_pidfd_open(server, 0)
        guard pidfd >= 0 else {
            if sw_errno() == ESRCH { return }
            throw SwrunError.system("pidfd_open \(server)", errno: sw_errno())
        }
        defer { close(pidfd) }
        // Checked again through the pidfd: the pid cannot be reused while it is open.
        guard isServer(server) else { return }
        guard sw_pidfd_send_signal(pidfd, SIGTERM) == 0 else { throw SwrunError.system("signal \(binary)", errno: sw_errno()) }
        if try !Self.awaitExit(pidfd, within: deadline) {
            _ = sw_pidfd_send_signal(pidfd, SIGKILL)
            guard try Self.awaitExit(pidfd, within: deadline) else {
                throw SwrunError(.system, "stop \(binary): pid \(server) does not end")
            }
        }
    }

    /// Sends `signal` to the server through a pidfd, after checking it is the server.
    private func signal(_ server: Int32, _ signal: Int32) throws {
        let pidfd = sw_pidfd_open(server, 0)
        guard pidfd >= 0 else { throw SwrunError.system("pidfd_open \(server)", errno: sw_errno()) }
        defer { close(pidfd) }
        guard isServer(server) else { throw SwrunError(.system, "\(binary) (pid \(server)) ended") }
        guard sw_pidfd_send_signal(pidfd, signal) == 0 else { throw SwrunError.system("signal \(binary)", errno: sw_errno()) }
    }

    /// Waits until none of the sockets `replacing` is left on the port and the server
    /// has a new socket on each of `addresses` (on any address when empty).
    private func awaitSockets(of server: Int32, on addresses: [[UInt8]], replacing old: Set<UInt64>) throws {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while true {
            let table = UDPSocketTable(pid: server)
            let bound = table.inodes(port: port)
            let ready = bound.isDisjoint(with: old)
                && (addresses.isEmpty
                    ? !bound.isEmpty
                    : addresses.allSatisfy { table.hasNewSocket(on: $0, port: port, notIn: old) })
            if ready { return }
            guard isServer(server) else { throw SwrunError(.system, "\(binary) (pid \(server)) ended; its network files: \(configDirectory)") }
            guard clock.now < end else {
                // Names the addresses still missing (all of them when none is).
                let missing = addresses.filter { !table.hasNewSocket(on: $0, port: port, notIn: old) }
                let named = (missing.isEmpty ? addresses : missing).map(Self.addressText).joined(separator: ", ")
                throw SwrunError(.system, "\(binary) does not listen on port \(port) of \(named) after \(deadline)")
            }
            var pause = timespec(tv_sec: 0, tv_nsec: 500_000)
            nanosleep(&pause, nil)
        }
    }

    /// Waits for the launcher (`env`, then aardvark-dns's first process) to exit once
    /// the daemon has written its pid file, and reaps it; its wait status.
    private func awaitLauncher(_ pid: Int32) throws -> Int32 {
        let pidfd = sw_pidfd_open(pid, 0)
        if pidfd >= 0 {
            defer { close(pidfd) }
            if try !Self.awaitExit(pidfd, within: deadline) { _ = sw_pidfd_send_signal(pidfd, SIGKILL) }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw SwrunError.system("waitpid \(pid)") }
        }
        return status
    }

    /// Whether the process of `pidfd` ended within `timeout` (zombies count as ended).
    private static func awaitExit(_ pidfd: Int32, within timeout: Duration) throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            let left = end - clock.now
            let milliseconds = max(0, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 { return false }
            guard errno == EINTR else { throw SwrunError.system("poll pidfd") }
        }
    }

    /// What the pipe holds now, without waiting for its end.
    private func readAvailable(_ fd: Int32) -> String {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                bytes += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// aardvark-dns's stderr as one line, without the syslog complaint it prints where
    /// there is no /dev/log.
    private static func errorText(_ text: String) -> String {
        text.split(separator: "\n").filter { !$0.hasPrefix("failed to connect to syslog") }.joined(separator: "; ")
    }

    private static func addressText(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        guard inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
