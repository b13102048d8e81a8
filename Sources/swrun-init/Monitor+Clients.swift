import CSwrun
import Glibc
import SwrunOS

/// A client attached to the monitor: the `run`/`start -a` process on the control socket,
/// or a `swrun attach` on the attach socket. Kept small: an idle one is an fd and flags.
struct AttachedClient {
    let fd: Int32
    /// Output reports its socket had no room for yet, in order; emptied (freed) once sent.
    var pending: [[UInt8]] = []
    /// It forwards its stdin (`run -i`, `start -ai`, `attach` without --no-stdin).
    var sendsInput: Bool
    /// Its stdin's end, or its going without a word, ends the container's stdin (a pipe;
    /// a terminal stays): the client that started the container, as docker's StdinOnce,
    /// until it detaches. A `swrun attach` never owns it (docker's attach to a container
    /// started detached does not close its stdin either).
    var ownsInput: Bool
    /// When it last took output (ms) while some waits for it.
    var waitingSince: Int64 = 0
    /// It took nothing for `Monitor.stallMillis` while other clients were attached: it
    /// no longer holds the container back, and loses what exceeds `Monitor.laggingLimit`
    /// messages until it has caught up.
    var lagging = false
}

extension Monitor {
    /// The attach socket's name in the container's directory.
    static let attachSocketName = "attach.sock"
    static let stallMillis: Int64 = 5000
    static let laggingLimit = 8

    /// Listens on the attach socket of a container that `swrun run`/`start` started (its
    /// directory holds its exit record); exec sessions and swrun-oci's containers have
    /// none. Made before the client hears "started", so `run -d` then `attach` finds it.
    static func listenForClients(_ config: InitConfig) -> Int32 {
        guard !config.exitPath.isEmpty, config.joinPid == 0, !config.runtimeMode else { return -1 }
        return (try? SeqPacket.listen(directory: FileIO.parentPath(config.exitPath), name: attachSocketName))?.fd ?? -1
    }

    /// Whether output waits for a client that still holds the container back. While it
    /// does the streams are not read: nothing is lost for a client that keeps reading
    /// (`run … | less`), and the container, not this loop, waits.
    var holdsOutput: Bool { clients.contains { !$0.pending.isEmpty && !$0.lagging } }

    /// Queues one output report for every client and sends what their sockets take.
    func queueOutput(_ message: [UInt8]) {
        for i in clients.indices {
            if clients[i].lagging && clients[i].pending.count >= Self.laggingLimit { continue }
            if clients[i].pending.isEmpty { clients[i].waitingSince = Self.nowMillis() }
            clients[i].pending.append(message)
        }
        // Backwards: a client dropped on the way only shifts those already done.
        for i in clients.indices.reversed() { flushOutput(at: i) }
    }

    /// When a client that holds the output back will count as stalled (ms from now);
    /// nil when none can: a lone client holds the container back as long as it likes.
    func millisUntilStalled() -> Int32? {
        guard clients.count > 1 else { return nil }
        let now = Self.nowMillis()
        var soonest: Int64?
        for client in clients where !client.pending.isEmpty && !client.lagging {
            let left = max(0, client.waitingSince + Self.stallMillis - now)
            soonest = min(soonest ?? left, left)
        }
        return soonest.map { Int32(clamping: $0) }
    }

    /// Lets a client that has taken nothing for a while stop holding the others back
    /// (a stopped or hung `attach`).
    func markStalledClients() {
        guard clients.count > 1 else { return }
        let now = Self.nowMillis()
        for i in clients.indices where !clients[i].pending.isEmpty && !clients[i].lagging
            && now - clients[i].waitingSince >= Self.stallMillis {
            clients[i].lagging = true
        }
    }

    func flushOutput(_ fd: Int32) {
        if let i = clients.firstIndex(where: { $0.fd == fd }) { flushOutput(at: i) }
    }

    /// Sends the client what its socket takes now, in order, without blocking.
    private func flushOutput(at i: Int) {
        let socket = SeqPacket(fd: clients[i].fd)
        while let first = clients[i].pending.first {
            switch try? socket.trySend(first) {
            case true?:
                clients[i].pending.removeFirst()
                clients[i].waitingSince = Self.nowMillis()
            case false?:
                return
            case nil:
                dropClient(at: i)
                return
            }
        }
        clients[i].pending = []  // Frees the buffer: idle monitors stay small.
        clients[i].lagging = false
    }

    func readClient(_ fd: Int32) {
        guard let i = clients.firstIndex(where: { $0.fd == fd }) else { return }
        guard let message = try? SeqPacket(fd: fd).receive() else {
            dropClient(at: i)
            return
        }
        guard let request = try? ClientMessage(decoding: message) else { return }
        switch request {
        case .stdin(let data):
            pendingInput += data
            flushInput()
        case .closeStdin:
            guard clients[i].ownsInput else { return }
            closeInputWhenDrained = true
            flushInput()
        case .resize(let rows, let columns):
            if master >= 0 { _ = sw_set_winsize(master, UInt16(clamping: rows), UInt16(clamping: columns)) }
        case .attach(let stdin):
            clients[i].sendsInput = stdin
        case .detach:
            clients[i].ownsInput = false
        }
    }

    /// A client went away (detached, or killed): the container runs on, its output still
    /// logged and sent to the others. Without a terminal its stdin ends when the client
    /// that owns it goes without detaching, as docker's does, unless another client
    /// still forwards its own.
    private func dropClient(at i: Int) {
        // A send can fail before its last words were read: a `run -d -i` whose container
        // printed at once detached, and its stdin stays open.
        var unread = pollfd(fd: clients[i].fd, events: Int16(POLLIN), revents: 0)
        while poll(&unread, 1, 0) > 0, unread.revents & Int16(POLLIN) != 0,
              let message = try? SeqPacket(fd: unread.fd).receive() {
            if (try? ClientMessage(decoding: message)) == .detach { clients[i].ownsInput = false }
        }
        let client = clients.remove(at: i)
        close(client.fd)
        if client.ownsInput && input >= 0 && input != master && !clients.contains(where: \.sendsInput) {
            pendingInput = []
            close(input)
            input = -1
        }
    }

    /// Takes the clients waiting on the attach socket.
    func acceptClients() {
        guard listener >= 0 else { return }
        while let socket = SeqPacket(fd: listener).accept() {
            clients.append(AttachedClient(fd: socket.fd, sendsInput: false, ownsInput: false))
        }
    }

    /// PID 1 has ended: `attach` no longer finds the socket, and those that connected
    /// before are clients now, told of the end with the others.
    func stopListening() {
        guard listener >= 0 else { return }
        unlink(FileIO.parentPath(config.exitPath) + "/" + Self.attachSocketName)
        acceptClients()
        close(listener)
        listener = -1
    }

    /// Sends every client its last output and then `report`, waiting for room, and then
    /// waits until each has shut down its side (it has recorded what it needs), all
    /// until `deadline`. The sockets stay open: closing them tells the clients the end.
    /// `meanwhile` runs once, after the first sends: the clients wake and answer while
    /// it works.
    func sayGoodbye(_ report: [UInt8], deadline: Int64, meanwhile: () -> Void = {}) {
        var waiting: [(fd: Int32, queue: [[UInt8]])] = clients.map { ($0.fd, $0.pending + [report]) }
        for i in clients.indices { clients[i].pending = [] }
        var worked = false
        defer { if !worked { meanwhile() } }
        while !waiting.isEmpty {
            for i in waiting.indices.reversed() {
                let socket = SeqPacket(fd: waiting[i].fd)
                while let first = waiting[i].queue.first {
                    guard let sent = try? socket.trySend(first) else {
                        waiting.remove(at: i)  // Gone.
                        break
                    }
                    if !sent { break }
                    waiting[i].queue.removeFirst()
                }
            }
            if !worked {
                worked = true
                meanwhile()
            }
            var fds = waiting.map { pollfd(fd: $0.fd, events: Int16($0.queue.isEmpty ? POLLIN : POLLOUT), revents: 0) }
            let left = deadline - Self.nowMillis()
            if fds.isEmpty || left <= 0 { return }
            let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: left))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return }
            for i in fds.indices.reversed() where fds[i].revents != 0 && waiting[i].queue.isEmpty {
                // End of file (or an error): this one is done. Anything else it says is ignored.
                if (try? SeqPacket(fd: fds[i].fd).receive()) == nil { waiting.remove(at: i) }
            }
        }
    }
}
