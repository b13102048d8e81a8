import CSwrun
import Foundation
import SwrunOS

/// A running `swrun-init`: spawned with posix_spawn (never fork from this possibly
/// multithreaded process), fed its config over a SOCK_SEQPACKET socket on fd 3.
final class InitProcess {
    let pid: pid_t
    let socket: SeqPacket

    private init(pid: pid_t, socket: SeqPacket) {
        self.pid = pid
        self.socket = socket
    }

    /// The swrun-init binary next to the running swrun.
    static let binaryPath: String = {
        if let override = ProcessInfo.processInfo.environment["SWRUN_INIT"] { return override }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return FileIO.parentPath(exe) + "/swrun-init"
    }()

    static func spawn(config: InitConfig, stdio: [Int32] = [0, 1, 2]) throws -> InitProcess {
        let (mine, theirs) = try SeqPacket.pair()
        defer { theirs.close() }
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("swrun-init"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { argv.forEach { free($0) } }
        let fds = stdio + [theirs.fd]
        let pid = sw_spawn(binaryPath, argv, envp, fds, Int32(fds.count), 1)
        guard pid > 0 else {
            mine.close()
            throw SwrunError.system("spawn \(binaryPath)")
        }
        let process = InitProcess(pid: pid, socket: mine)
        try mine.send(config.encoded())
        return process
    }

    /// Waits for the container's process to exec; returns its host PID.
    func waitStarted() throws -> Int32 {
        switch try nextReport() {
        case .started(let pid):
            return pid
        case .failed(let step, let err, let message):
            reap()
            throw ContainerStartFailure(step: step, errno: err, message: message)
        case .exited:
            reap()
            throw SwrunError(.internalError, "swrun-init: container exited before it started")
        }
    }

    /// Waits for PID 1 to end, forwarding the signals `relay` catches to it. Returns
    /// the wait status.
    func waitExited(relaying relay: SignalRelay, to containerPid: Int32) throws -> Int32 {
        var fds = [pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: relay.fd, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("poll")
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                for sig in relay.drain() { kill(containerPid, sig) }
            }
            if fds[0].revents != 0 {
                let report = try nextReport()
                reap()
                if case .exited(let status) = report { return status }
                throw SwrunError(.internalError, "swrun-init: unexpected report \(report)")
            }
        }
    }

    private func nextReport() throws -> InitReport {
        guard let message = try socket.receive() else {
            reap()
            throw SwrunError(.internalError, "swrun-init exited without reporting")
        }
        return try InitReport(decoding: message)
    }

    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        socket.close()
    }
}

/// Setup or exec failed inside the container; `step` names where ("exec",
/// "pivot_root"), and `exitCode` is docker's: 127 command not found, 126 not
/// executable, 125 anything else.
public struct ContainerStartFailure: Error, CustomStringConvertible, Sendable {
    public var step: String
    public var errno: Int32
    public var message: String
    public var description: String { message }

    public var exitCode: Int32 {
        guard step == "exec" else { return 125 }
        return errno == ENOENT ? 127 : 126
    }
}

/// Catches signals sent to swrun through a signalfd so they can be forwarded to the
/// container instead of killing swrun.
final class SignalRelay {
    let fd: Int32
    private var previous = sigset_t()

    init(signals: [Int32]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        sigprocmask(SIG_BLOCK, &set, &previous)
        fd = sw_signalfd(signals.reduce(UInt64(0)) { $0 | (UInt64(1) << UInt64($1)) })
        guard fd >= 0 else { throw SwrunError.system("signalfd") }
    }

    /// The signals received since the last call.
    func drain() -> [Int32] {
        var result: [Int32] = []
        while case let sig = sw_signalfd_next(fd), sig > 0 { result.append(sig) }
        return result
    }

    func restore() {
        close(fd)
        sigprocmask(SIG_SETMASK, &previous, nil)
    }
}
