import Foundation
import SwrunImage
import SwrunOCI

/// Prints what a pull or push does, per layer, as docker does: on a terminal one
/// live line per layer (redrawn in place, with bytes and rate), otherwise one plain
/// line per layer state change; nothing at all when quiet.
final class TransferProgress: @unchecked Sendable {
    enum Direction { case pull, push }

    private let direction: Direction
    private let fd: Int32
    private let live: Bool
    private let quiet: Bool
    private let lock = NSLock()
    private var order: [Digest] = []
    private var lines: [Digest: String] = [:]
    private var started: [Digest: UInt64] = [:]
    private var drawn = 0
    private var lastDraw: UInt64 = 0

    init(_ direction: Direction, fd: Int32 = 1, quiet: Bool) {
        self.direction = direction
        self.fd = fd
        self.quiet = quiet
        live = !quiet && isatty(fd) == 1
    }

    /// The callback to hand to `ImageStore.pull`/`push`.
    var handler: @Sendable (TransferEvent) -> Void { { [self] event in self.handle(event) } }

    /// A line of its own (headers, digests, status), never redrawn.
    func say(_ text: String) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        write(text + "\n")
        drawn = 0
        order.removeAll()
        lines.removeAll()
    }

    private func handle(_ event: TransferEvent) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        switch event {
        case .layerExists(let digest):
            update(digest, direction == .pull ? "Already exists" : "Layer already exists", final: true)
        case .layerStarted(let digest, _):
            started[digest] = now
            update(digest, direction == .pull ? "Pulling fs layer" : "Preparing", final: false)
        case .layerProgress(let digest, let bytes, let size):
            guard live, now - lastDraw > 100_000_000 || bytes == size else { return }
            let seconds = Double(now - (started[digest] ?? now)) / 1e9
            let rate = seconds > 0 ? Self.bytes(Int64(Double(bytes) / seconds)) + "/s" : ""
            let verb = direction == .pull ? "Downloading" : "Pushing"
            update(digest, "\(verb)  \(Self.bytes(bytes))/\(Self.bytes(size))  \(rate)", final: false)
        case .layerExtracting(let digest):
            update(digest, "Extracting", final: false)
        case .layerDone(let digest):
            update(digest, direction == .pull ? "Pull complete" : "Pushed", final: true)
        case .layerMounted(let digest, let source):
            update(digest, "Mounted from \(source)", final: true)
        }
        lastDraw = now
    }

    /// Sets a layer's status: redraws the block of layer lines on a terminal, else
    /// prints the state change (progress ticks are terminal-only).
    private func update(_ digest: Digest, _ status: String, final: Bool) {
        let line = "\(digest.short): \(status)"
        guard live else {
            write(line + "\n")
            return
        }
        if lines[digest] == nil { order.append(digest) }
        lines[digest] = line
        var text = drawn > 0 ? "\u{1b}[\(drawn)A" : ""
        for layer in order { text += "\r\u{1b}[2K" + (lines[layer] ?? "") + "\n" }
        drawn = order.count
        write(text)
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            offset += count
        }
    }

    /// docker's units: 1.2MB, 340kB, 12B (powers of 1000).
    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        if value >= 1e9 { return String(format: "%.2fGB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1fMB", value / 1e6) }
        if value >= 1e3 { return String(format: "%.1fkB", value / 1e3) }
        return "\(count)B"
    }
}
