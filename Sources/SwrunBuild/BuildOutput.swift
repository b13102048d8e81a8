import Glibc
import SwrunOS

/// What a build tells its user, in docker's words: the classic builder's
/// `Step 3/7 : RUN …` lines, or BuildKit's plain progress (`#3 [2/5] RUN …`, CACHED,
/// DONE with the time), or (`-q`) nothing but the image ID at the end. The output of
/// RUN steps reaches the user between these lines (not in quiet mode).
public final class BuildOutput {
    public enum Style: Sendable {
        /// `Step 3/7 : RUN …`, ` ---> Using cache`, `Successfully built …`: docker's classic builder.
        case classic
        /// `#3 [2/5] RUN …`, `#3 CACHED`, `#3 DONE 0.2s`: BuildKit's `--progress=plain`.
        case plain
        /// `-q`: only the image ID.
        case quiet
    }

    public let style: Style
    private let fd: Int32
    private var vertex = 0
    private var started: Int64 = 0

    /// Messages go to `fd` (stdout for docker's classic builder, stderr for BuildKit's progress).
    public init(style: Style, fd: Int32 = 1) {
        self.style = style
        self.fd = fd
    }

    /// `--progress` and `-q` as docker reads them: `plain` is BuildKit's; `auto` and
    /// `tty` print the classic step lines (swrun draws no live display).
    public static func style(progress: String, quiet: Bool) throws -> Style {
        if quiet { return .quiet }
        switch progress {
        case "plain": return .plain
        case "auto", "tty": return .classic
        default: throw SwrunError(.invalidArgument, "invalid progress mode \(progress): use auto, plain or tty")
        }
    }

    public var isQuiet: Bool { style == .quiet }

    /// A step begins: `number` of `total` over the whole build, `position` of `count`
    /// within its stage (BuildKit's `[stage 2/5]`).
    func step(number: Int, total: Int, stage: String?, position: Int, count: Int, text: String) {
        vertex += 1
        started = Self.monotonicNanos()
        switch style {
        case .classic: say("Step \(number)/\(total) : \(text)")
        case .plain: say("#\(vertex) [\(stage.map { $0 + " " } ?? "")\(position)/\(count)] \(text)")
        case .quiet: break
        }
    }

    /// The step's image was found in the cache.
    func cached(_ image: String) {
        switch style {
        case .classic: say(" ---> Using cache\n ---> \(Self.short(image))")
        case .plain: say("#\(vertex) CACHED")
        case .quiet: break
        }
    }

    /// A RUN step's container starts.
    func running(in container: String) {
        if style == .classic { say(" ---> Running in \(Self.short(container))") }
    }

    /// A RUN step's container is gone again.
    func removed(_ container: String) {
        if style == .classic { say("Removing intermediate container \(Self.short(container))") }
    }

    /// The step made `image`.
    func done(_ image: String) {
        switch style {
        case .classic: say(" ---> \(Self.short(image))")
        case .plain:
            let tenths = (Self.monotonicNanos() - started) / 100_000_000
            say("#\(vertex) DONE \(tenths / 10).\(tenths % 10)s")
        case .quiet: break
        }
    }

    /// A line about the build itself (ONBUILD triggers running).
    func note(_ text: String) {
        if style != .quiet { say(text) }
    }

    /// A step failed (BuildKit names it before the error).
    func failed(_ error: String) {
        if style == .plain { say("#\(vertex) ERROR: \(error)") }
    }

    /// The build's image, and the names it was given.
    func finished(_ image: String, tags: [String]) {
        switch style {
        case .classic, .plain:
            say("Successfully built \(Self.short(image))")
            for tag in tags { say("Successfully tagged \(tag)") }
        case .quiet:
            Self.write(1, image)
        }
    }

    /// A warning, on stderr in every style but quiet.
    func warning(_ text: String) {
        if style != .quiet { Self.write(2, "[Warning] " + text) }
    }

    private func say(_ line: String) { Self.write(fd, line) }

    /// A line to `fd`; a closed or full output does not fail the build.
    private static func write(_ fd: Int32, _ line: String) {
        try? FileIO.writeAll(fd, Array((line + "\n").utf8))
    }

    /// `sha256:abc…` → the 12 hex docker shows.
    static func short(_ id: String) -> String {
        String((id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)).prefix(12))
    }

    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
