#if canImport(Glibc)
import Glibc
#endif
import CSwrun

extension FileIO {
    /// The standard output of `path args`, run to its end.
    public static func capture(_ path: String, _ args: [String]) throws -> String {
        var fds: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&fds) == 0 else { throw SwrunError.system("pipe") }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { (text: String) in strdup(text) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let pid = sw_spawn(path, argv, envp, [0, fds[1], 2], 3, 0)
        close(fds[1])
        defer { close(fds[0]) }
        guard pid > 0 else { throw SwrunError.system("spawn \(path)") }
        let output = try FileIO.readAll(fds[0], step: "read from \(path)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }

    /// Runs `path args` to its end, its stdin closed; when it fails, throws what it
    /// printed (its output and errors, as one line) or how it ended.
    public static func runChecked(_ path: String, _ args: [String]) throws {
        var fds: [Int32] = [-1, -1]
        guard sw_pipe_cloexec(&fds) == 0 else { throw SwrunError.system("pipe") }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { (text: String) in strdup(text) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        let pid = sw_spawn(path, argv, envp, [-1, fds[1], fds[1]], 3, 0)
        close(fds[1])
        defer { close(fds[0]) }
        guard pid > 0 else { throw SwrunError.system("spawn \(path)") }
        let output = (try? FileIO.readAll(fds[0], step: "read from \(path)")) ?? []
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status != 0 else { return }
        let text = SwrunError.oneLine(String(decoding: output, as: UTF8.self))
        throw SwrunError(.system, text.isEmpty ? "\(FileIO.baseName(path)) failed (wait status \(status))" : text)
    }
}
