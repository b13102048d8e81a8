import CSwrun
import Glibc
import SwrunInitCore
import SwrunOS

/// After the container has started, swrun-init stays as its monitor: it reaps PID 1,
/// writes its output to the log and to every attached client, feeds the clients' input
/// to it, and when PID 1 ends records the exit, removes the cgroup, and (--rm)
/// deletes the container once no client is attached. Single-threaded: one poll loop.
final class Monitor {
    let config: InitConfig
    private let pid: pid_t
    /// Streams to read: (fd, 1 = stdout / 2 = stderr).
    private var outputs: [(fd: Int32, stream: UInt8)]
    /// Where client input goes: the stdin pipe or the pty master; -1 for none.
    var input: Int32
    let master: Int32
    private let signals: Int32
    private var log: LogWriter?
    private var status: Int32?
    /// Client input the container has not taken yet (its stdin was full). The clients'
    /// sockets are not read while there is some, so a container slow to read its stdin
    /// holds the clients back instead of blocking this loop: a blocking write here, with
    /// the container blocked writing output this loop no longer reads, was a deadlock
    /// (`run -i … cat` of a few MB).
    var pendingInput: [UInt8] = []
    var closeInputWhenDrained = false
    /// The attached clients: first the `run`/`start -a` process on the control socket
    /// it was spawned with, then any `swrun attach` (Monitor+Clients.swift). Each has its
    /// own queue of output reports its socket had no room for; sends never block.
    var clients: [AttachedClient]
    /// The attach socket `swrun attach` connects to; -1 for none.
    var listener: Int32
    /// When the container started (for the restart backoff and the healthchecks).
    let startedMillis = Monitor.nowMillis()
    /// The running healthcheck (0: none) and when the next one is due (0: never).
    private var healthPid: pid_t = 0
    private var nextHealthMillis: Int64 = 0

    init(config: InitConfig, pid: pid_t, control: Int32, stdio: ChildStdio, master: Int32, signals: Int32, listener: Int32 = -1) {
        self.config = config
        self.pid = pid
        clients = [AttachedClient(fd: control, sendsInput: true, ownsInput: true)]
        self.listener = listener
        self.master = master
        self.signals = signals
        if master >= 0 {
            outputs = [(master, 1)]
            input = master
        } else {
            outputs = [(stdio.stdoutReader, 1), (stdio.stderrReader, 2)]
            input = stdio.stdinWriter
        }
        log = LogWriter(config: config)
        if input >= 0 { _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK) }
    }

    /// How long the loop waits, after it last had work, before it gives back its text.
    private static let idleMillis: Int32 = 1000

    func run() -> Never {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var drainDeadline: Int64 = 0
        // The monitor is the per-container cost of having no daemon. Its program text
        // is given back (MADV_DONTNEED) right before it blocks: first after the set-up
        // code, then whenever it has been idle for a second after some work (output, a
        // client, a healthcheck…). What stays resident is what the step from the release
        // to poll(2) touches, not everything the loop or the set-up ever ran; a release
        // at the top of the loop kept ~1.6 MB, the array and metadata code of one pass.
        var releaseText = true
        var workedSinceRelease = false
        if !config.healthCommand.isEmpty { nextHealthMillis = nextHealthcheck(after: startedMillis) }
        while status == nil || !outputs.isEmpty {
            // While a client has output waiting (and holds the container back, see
            // Monitor+Clients.swift) the streams are not read: this holds one read
            // per stream at most.
            let readOutputs = !holdsOutput
            var fds: [pollfd] = outputs.map { pollfd(fd: readOutputs ? $0.fd : -1, events: Int16(POLLIN), revents: 0) }
            let clientIndex = fds.count
            let readClients = status == nil && pendingInput.isEmpty
            for client in clients {
                let events = (readClients ? POLLIN : 0) | (client.pending.isEmpty ? 0 : POLLOUT)
                fds.append(pollfd(fd: events != 0 ? client.fd : -1, events: Int16(events), revents: 0))
            }
            let listenerIndex = fds.count
            fds.append(pollfd(fd: status == nil ? listener : -1, events: Int16(POLLIN), revents: 0))
            let inputIndex = fds.count
            fds.append(pollfd(fd: status == nil && !pendingInput.isEmpty ? input : -1, events: Int16(POLLOUT), revents: 0))
            let signalIndex = fds.count
            fds.append(pollfd(fd: status == nil ? signals : -1, events: Int16(POLLIN), revents: 0))
            var timeout: Int32 = -1
            if status != nil && readOutputs {
                // PID 1 is gone and the kernel kills the rest of its PID namespace:
                // the streams close soon. Don't wait forever for one held elsewhere.
                let left = drainDeadline - Self.nowMillis()
                if left <= 0 { break }
                timeout = Int32(left)
            } else if workedSinceRelease {
                timeout = Self.idleMillis
            }
            if let stall = millisUntilStalled() { timeout = timeout < 0 ? stall : min(timeout, stall) }
            if status == nil && healthPid == 0 && nextHealthMillis > 0 {
                let left = Int32(clamping: max(0, nextHealthMillis - Self.nowMillis()))
                timeout = timeout < 0 ? left : min(timeout, left)
            }
            if releaseText {
                _ = sw_release_program_text()
                releaseText = false
                workedSinceRelease = false
            }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if status == nil && healthPid == 0 && nextHealthMillis > 0 && Self.nowMillis() >= nextHealthMillis {
                healthPid = spawnHealthcheck()
                if healthPid == 0 { nextHealthMillis = nextHealthcheck(after: Self.nowMillis()) }
                workedSinceRelease = true
            }
            markStalledClients()
            if ready == 0 {
                if status == nil && workedSinceRelease { releaseText = true }
                continue
            }
            workedSinceRelease = true
            if fds[signalIndex].revents != 0 {
                while sw_signalfd_next(signals) > 0 {}
                reap()
                if status != nil { drainDeadline = Self.nowMillis() + 2000 }
            }
            var closed: [Int32] = []
            for (i, output) in outputs.enumerated() where fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(output.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    deliver(output.stream, buffer[0..<n])
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    closed.append(output.fd)
                }
            }
            for fd in closed {
                outputs.removeAll { $0.fd == fd }
                if fd != master { close(fd) }
            }
            if fds[inputIndex].revents != 0 { flushInput() }
            // Clients by fd: one may have been dropped (and the array shifted) above.
            for i in clientIndex..<listenerIndex where fds[i].revents != 0 {
                let fd = fds[i].fd
                if fds[i].revents & Int16(POLLOUT) != 0 { flushOutput(fd) }
                if readClients && fds[i].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readClient(fd) }
            }
            if fds[listenerIndex].revents != 0 { acceptClients() }
        }
        finish()
    }

    private func reap() {
        var wstatus: Int32 = 0
        while true {
            let got = waitpid(-1, &wstatus, WNOHANG)
            if got <= 0 { return }
            if got == pid { status = wstatus }
            if got == healthPid {
                healthPid = 0
                nextHealthMillis = nextHealthcheck(after: Self.nowMillis())
            }
        }
    }

    private func deliver(_ stream: UInt8, _ bytes: ArraySlice<UInt8>) {
        log?.write(stream: stream, bytes)
        if clients.isEmpty { return }
        // Bounded messages: SOCK_SEQPACKET keeps each one whole.
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = min(start + 32768, bytes.endIndex)
            queueOutput(InitReport.output(stream: stream, data: Array(bytes[start..<end])).encoded())
            start = end
        }
    }

    /// Writes what the container's stdin takes now; closes it once all is written if
    /// the client's stdin ended (a terminal stays open: it is also the output).
    func flushInput() {
        guard input >= 0 else {
            pendingInput = []
            return
        }
        while !pendingInput.isEmpty {
            let n = pendingInput.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n == pendingInput.count {
                pendingInput = []  // Frees the buffer: idle monitors stay small.
            } else if n > 0 {
                pendingInput.removeFirst(n)
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && errno == EAGAIN {
                return
            } else {
                pendingInput = []  // The container closed its stdin.
            }
        }
        if closeInputWhenDrained && input != master {
            close(input)
            input = -1
        }
    }

    private func finish() -> Never {
        stopListening()
        let wstatus = status ?? 0
        let code = sw_wifsignaled(wstatus) != 0 ? 128 + sw_wtermsig(wstatus) : sw_wexitstatus(wstatus)
        let events = Self.containerEvents(exitPath: config.exitPath)
        let finished = ExitRecord.nowNanos()
        let removing = !config.autoRemoveDirectory.isEmpty
        // The last output goes before the exit report. Each client records what it
        // needs, then shuts down its side; only then may --rm delete the container
        // under it. One that takes nothing is waited for 30 s at most. The clients
        // return only when their sockets close (below), so the exit's records are
        // made while they wake: they are all there before any client returns.
        sayGoodbye(InitReport.exited(status: wstatus).encoded(), deadline: Self.nowMillis() + 30_000) {
            recordExitEvents(events, code: code, oomKilled: oomKilled())
            if !config.exitCommand.isEmpty { runExitCommand(config.exitCommand) }
            // A --rm container's client gets the code on its socket, and its files are
            // deleted a moment later: the record is written only for a `swrun wait`.
            if !config.exitPath.isEmpty && !removing {
                try? ExitRecord(exitCode: code, finishedNanos: finished, oomKilled: oomKilled()).write(to: config.exitPath, durability: .full)
            }
            removeCgroups()
        }
        var detached: String?
        if removing {
            waitForWaiters(config.autoRemoveDirectory) {
                guard !config.exitPath.isEmpty else { return }
                try? ExitRecord(exitCode: code, finishedNanos: finished, oomKilled: oomKilled())
                    .write(to: config.exitPath, durability: .atomic)
            }
            let destroy = events?.event("destroy")
            detached = try? FileIO.detachTree(config.autoRemoveDirectory)
            if detached != nil, let destroy { events?.append(destroy) }
        }
        // The clients return when this closes: the container is gone from the store by
        // now, and deleting its files goes on without keeping anyone waiting.
        for client in clients { close(client.fd) }
        clients = []
        if let detached { try? FileIO.removeTree(detached) }
        if !removing { restartIfThePolicySays(exitCode: code, ranMillis: Self.nowMillis() - startedMillis) }
        exit(0)
    }

    /// `swrun wait` holds a shared lock on the container's `directory` until it has
    /// read the exit record; --rm deletes the container only once it gets the lock
    /// exclusively, so no waiter loses the code. `record` writes the code when some
    /// waiter holds the lock. A waiter that hangs (stopped) delays it 5 s at most.
    private func waitForWaiters(_ directory: String, record: () -> Void) {
        guard let fd = try? FileLock.openDirectory(directory) else { return record() }
        defer { close(fd) }
        if FileLock.tryLock(fd) { return }
        record()
        var tries = 0
        while !FileLock.tryLock(fd) && tries < 500 {
            usleep(10_000)
            tries += 1
        }
    }

    private func oomKilled() -> Bool {
        guard !config.oomEventsFile.isEmpty, let bytes = try? FileIO.readFile(config.oomEventsFile) else { return false }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("oom_kill ") {
            return (Int(line.dropFirst(9)) ?? 0) > 0
        }
        return false
    }

    /// The cgroup is empty once PID 1's namespace is gone; rmdir may still see EBUSY for
    /// a moment while the kernel finishes tearing the processes down.
    private func removeCgroups() {
        for dir in config.cgroupDirectories {
            for _ in 0..<200 {
                if rmdir(dir) == 0 || errno == ENOENT { break }
                usleep(1000)
            }
        }
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
