#if canImport(Glibc)
import Glibc
#endif
import CSwrun

extension FileIO {
    /// The standard output of `path args`, run to its end.
    public static func capture(_ path: String, _ args: [String]) throws -> String {
        String(decoding: try runCollecting(path, args, errorsToo: false).output, as: UTF8.self)
    }

    /// Runs `path args` to its end, its stdin closed, and returns what it printed (its
    /// output and errors); when it fails, throws that as one line, or how it ended.
    @discardableResult
    public static func runChecked(_ path: String, _ args: [String]) throws -> String {
        let (status, output) = try runCollecting(path, args, errorsToo: true)
        guard status != 0 else { return String(decoding: output, as: UTF8.self) }
        let text = SwrunError.oneLine(String(decoding: output, as: UTF8.self))
        throw SwrunError(.system, text.isEmpty ? "\(FileIO.baseName(path)) failed (wait status \(status))" : text)
    }

    /// Spawns `path args` with a minimal PATH, collects its stdout (and stderr with
    /// `errorsToo`; else stderr is ours and stdin too) and waits for it.
    private static func runCollecting(_ path: String, _ args: [String], errorsToo: Bool) throws -> (status: Int32, output: [UInt8]) {
        var fds: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&fds) == 0 else { throw SwrunError.system("pipe") }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { (text: String) in strdup(text) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let layout: [Int32] = errorsToo ? [-1, fds[1], fds[1]] : [0, fds[1], 2]
        let pid = sw_spawn(path, argv, envp, layout, 3, 0)
        close(fds[1])
        defer { close(fds[0]) }
        guard pid > 0 else { throw SwrunError.system("spawn \(path)") }
        let output = try? FileIO.readAll(fds[0], step: "read from \(path)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard let output else { throw SwrunError.system("read from \(path)") }
        return (status, output)
    }
}
