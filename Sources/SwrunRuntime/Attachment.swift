import CSwrun
import FoundationEssentials
import Glibc
import SwrunOS

/// What an attached client relays between the user and a container's monitor.
public struct AttachOptions: Sendable {
    /// Forward swrun's stdin (-i).
    public var stdin = false
    /// The container has a terminal: put ours in raw mode and follow its size.
    public var tty = false
    /// Bytes that detach instead of reaching the container (default ctrl-p ctrl-q).
    public var detachKeys: [UInt8] = [0x10, 0x11]

    /// Forward the signals swrun receives to the container's PID 1 (docker's
    /// --sig-proxy); the terminal's size follows it either way.
    public var proxySignals = true

    public init(stdin: Bool = false, tty: Bool = false, detachKeys: [UInt8] = [0x10, 0x11], proxySignals: Bool = true) {
        self.stdin = stdin
        self.tty = tty
        self.detachKeys = detachKeys
        self.proxySignals = proxySignals
    }

    /// docker's default `--detach-keys`.
    public static let defaultDetachKeys = "ctrl-p,ctrl-q"

    /// docker's `--detach-keys` syntax: "ctrl-p,ctrl-q", "a,b", "ctrl-@".
    public static func parseDetachKeys(_ text: String) throws -> [UInt8] {
        try text.split(separator: ",").map { key in
            let k = key.lowercased()
            if k.count == 1, let c = k.utf8.first { return c }
            if k.hasPrefix("ctrl-"), k.count == 6, let c = k.utf8.last {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 1
                case UInt8(ascii: "@"): return 0
                case UInt8(ascii: "["): return 27
                case UInt8(ascii: "\\"): return 28
                case UInt8(ascii: "]"): return 29
                case UInt8(ascii: "^"): return 30
                case UInt8(ascii: "_"): return 31
                default: break
                }
            }
            throw SwrunError(.invalidArgument, "invalid detach keys: \(text)")
        }
    }
}

/// How an attachment ended.
public enum AttachResult: Sendable, Equatable {
    /// PID 1 ended with this docker exit code.
    case exited(Int32)
    /// The user typed the detach keys; the container runs on.
    case detached
}

extension MonitorClient {
    /// Relays until the container exits or the user detaches. Signals swrun gets are
    /// forwarded to the container's PID 1 (docker's sig-proxy).
    func attach(_ options: AttachOptions, containerPid: Int32) throws -> AttachResult {
        let proxied = options.proxySignals ? [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] : []
        let relay = try SignalRelay(signals: proxied + [SIGWINCH])
        defer { relay.restore() }
        var saved = [UInt8](repeating: 0, count: sw_termios_size())
        let raw = options.tty && isatty(0) != 0 && sw_tty_make_raw(0, &saved) == 0
        defer { if raw { _ = sw_tty_restore(0, saved) } }

        var stdinOpen = options.stdin
        var matched = 0
        var buffer = [UInt8](repeating: 0, count: 32768)
        // Messages for the monitor that its socket had no room for. Sends never block
        // and the socket is always read: a client blocked sending input while the
        // monitor was blocked sending output to it was a deadlock (`run -i … cat` of a
        // few MB). While some wait, stdin is not read, so this holds one read at most.
        var outbox: [[UInt8]] = []
        while true {
            var fds = [pollfd(fd: socket.fd, events: Int16(outbox.isEmpty ? POLLIN : POLLIN | POLLOUT), revents: 0),
                       pollfd(fd: relay.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdinOpen && outbox.isEmpty ? 0 : -1, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 3, -1) < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("poll")
            }
            if fds[0].revents & Int16(POLLOUT) != 0 { sendQueued(&outbox) }
            if fds[1].revents != 0 {
                for sig in relay.drain() {
                    if sig == SIGWINCH {
                        var rows: UInt16 = 0
                        var cols: UInt16 = 0
                        if sw_get_winsize(0, &rows, &cols) == 0 {
                            outbox.append(ClientMessage.resize(rows: UInt64(rows), columns: UInt64(cols)).encoded())
                            sendQueued(&outbox)
                        }
                    } else {
                        kill(containerPid, sig)
                    }
                }
            }
            if fds[2].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if n > 0 {
                    var out: [UInt8] = []
                    for byte in buffer[0..<n] {
                        if options.tty && !options.detachKeys.isEmpty {
                            if byte == options.detachKeys[matched] {
                                matched += 1
                                if matched == options.detachKeys.count {
                                    if !out.isEmpty { outbox.append(ClientMessage.stdin(out).encoded()) }
                                    sendAll(outbox)
                                    disconnect()
                                    return .detached
                                }
                                continue
                            }
                            if matched > 0 {
                                out += options.detachKeys[0..<matched]
                                matched = 0
                            }
                        }
                        out.append(byte)
                    }
                    if !out.isEmpty {
                        outbox.append(ClientMessage.stdin(out).encoded())
                        sendQueued(&outbox)
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    stdinOpen = false
                    outbox.append(ClientMessage.closeStdin.encoded())
                    sendQueued(&outbox)
                }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                guard let message = try socket.receive() else {
                    throw SwrunError(.internalError, "the container's monitor went away")
                }
                switch try InitReport(decoding: message) {
                case .output(let stream, let data):
                    try FileIO.writeAll(stream == 2 ? 2 : 1, data)
                case .exited(let status):
                    return .exited(ContainerRuntime.exitCode(status))
                case .started, .failed, .created:
                    continue
                }
            }
        }
    }
}
