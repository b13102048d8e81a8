import CSwrun
import FoundationEssentials
import Glibc
import SwrunOS

/// swrun's end of a container monitor (`swrun-init`): spawned with posix_spawn (never
/// fork from this possibly multithreaded process), fed its config over a
/// SOCK_SEQPACKET socket on fd 3, then talked to in typed messages.
final class MonitorClient {
    let pid: pid_t
    let socket: SeqPacket
    private var connected = true

    private init(pid: pid_t, socket: SeqPacket) {
        self.pid = pid
        self.socket = socket
    }

    /// The swrun-init binary next to the running swrun.
    static let binaryPath: String = {
        if let override = HostSystem.environment("SWRUN_INIT") { return override }
        let exe = (try? FileIO.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
        return FileIO.parentPath(exe) + "/swrun-init"
    }()

    /// Starts a monitor in its own session with /dev/null as its stdio: all the
    /// container's I/O goes through the monitor, so it can outlive this process.
    /// `config` nil: the monitor starts up now and waits for `configure`.
    static func spawn(config: InitConfig?) throws -> MonitorClient {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw SwrunError.system("open /dev/null") }
        defer { close(devNull) }
        return try spawn(config: config, stdio: [devNull, devNull, devNull], arguments: [], newSession: true)
    }

    /// Sends the config to a monitor spawned without one.
    func configure(_ config: InitConfig) throws {
        try socket.send(config.encoded())
    }

    /// Runtime mode (`swrun-oci`): swrun-init shares this process's fds 0–2 and the
    /// `preservedFDs` from 3 up with the container, and takes its control socket on the
    /// fd after them (passed as its argument). It stays in this session.
    static func spawnForRuntime(config: InitConfig, preservedFDs: Int) throws -> MonitorClient {
        let inherited = Array(Int32(0)..<Int32(3 + preservedFDs))
        return try spawn(config: config, stdio: inherited, arguments: [String(inherited.count)], newSession: false)
    }

    /// swrun-init with `fds` as its 0, 1, 2…, the control socket on the next fd, and
    /// the config sent over it.
    private static func spawn(config: InitConfig?, stdio fds: [Int32], arguments: [String], newSession: Bool) throws -> MonitorClient {
        let (mine, theirs) = try SeqPacket.pair()
        defer { theirs.close() }
        let argv: [UnsafeMutablePointer<CChar>?] = (["swrun-init"] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        defer { argv.forEach { free($0) } }
        let all = fds + [theirs.fd]
        let pid = sw_spawn(binaryPath, argv, envp, all, Int32(all.count), newSession ? 1 : 0)
        guard pid > 0 else {
            mine.close()
            throw SwrunError.system("spawn \(binaryPath)")
        }
        let client = MonitorClient(pid: pid, socket: mine)
        if let config { try client.configure(config) }
        return client
    }

    /// Waits for the container's process to exec; returns its host PID.
    func waitStarted() throws -> Int32 {
        while true {
            switch try nextReport() {
            case .started(let pid):
                return pid
            case .failed(let step, let err, let message):
                hangUp()
                throw SwrunError.containerStart(step: step, errno: err, message: message)
            case .exited, .output, .created:
                continue
            }
        }
    }

    func nextReport() throws -> InitReport {
        guard let message = try socket.receive() else {
            throw SwrunError(.internalError, "swrun-init exited without reporting")
        }
        return try InitReport(decoding: message)
    }

    func send(_ message: ClientMessage) {
        guard connected else { return }
        if (try? socket.send(message.encoded())) == nil { connected = false }
    }

    /// Sends the queued encoded messages the socket takes now, in order, without
    /// blocking; what is left waits for POLLOUT. A monitor that went away empties the
    /// queue (its end of file shows on the receiving side).
    func sendQueued(_ queue: inout [[UInt8]]) {
        while let first = queue.first {
            guard connected else {
                queue = []
                return
            }
            switch try? socket.trySend(first) {
            case true?: queue.removeFirst()
            case false?: return
            case nil:
                connected = false
                queue = []
            }
        }
    }

    /// Sends the queued messages, waiting for room; for the last words before a detach.
    func sendAll(_ queue: [[UInt8]]) {
        for message in queue where connected {
            if (try? socket.send(message)) == nil { connected = false }
        }
    }

    /// Detaches: the monitor carries on alone, the container's stdin left open (the
    /// word is dropped if the socket is full; a terminal stays open regardless).
    func disconnect() {
        guard connected else { return }
        connected = false
        _ = try? socket.trySend(ClientMessage.detach.encoded())
        socket.close()
    }

    /// `swrun attach`: a client of the running monitor `monitorPid`, connected to the
    /// attach socket in the container's `directory`.
    static func connect(containerDirectory directory: String, monitorPid: pid_t) throws -> MonitorClient {
        MonitorClient(pid: monitorPid, socket: try SeqPacket.connect(directory: directory, name: attachSocketName))
    }

    /// The monitor's attach socket in the container's directory (swrun-init's
    /// `Monitor.attachSocketName`).
    static let attachSocketName = "attach.sock"

    /// Hangs up and waits until the monitor is done with the store: it closes its end
    /// once a --rm container is gone from it (or when it exits), and deletes the files
    /// after that on its own.
    func hangUp() {
        guard connected else { return }
        connected = false
        shutdown(socket.fd, Int32(SHUT_WR))
        while (try? socket.receive()) != nil {}
        socket.close()
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
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
