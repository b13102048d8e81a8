import Glibc
import SwrunBuild
import SwrunDockerfile
import SwrunLayer
import SwrunOS

/// A temporary directory holding a build context (`context`), an image's one lower
/// layer (`lower`) and a step's upper dir (`upper`), with helpers to fill and read them.
final class ContextFixture {
    let base: String
    var context: String { base + "/context" }
    var lower: String { base + "/lower" }
    var upper: String { base + "/upper" }

    init() throws {
        var template = Array("/tmp/swrun-context-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SwrunError.system("mkdtemp") }
        base = String(cString: made)
        for directory in [context, lower, upper] { try FileIO.makeDirectories(directory) }
    }

    deinit { try? FileIO.removeTree(base) }

    /// Writes `contents` at `path` below `root` (parents made), with `mode`.
    func file(_ root: String, _ path: String, _ contents: String = "", mode: mode_t = 0o644) throws {
        try FileIO.makeDirectories(FileIO.parentPath(root + "/" + path))
        try FileIO.writeFile(root + "/" + path, contents)
        guard chmod(root + "/" + path, mode) == 0 else { throw SwrunError.system("chmod \(path)") }
    }

    func directory(_ root: String, _ path: String, mode: mode_t = 0o755, owner: (uid_t, gid_t) = (0, 0)) throws {
        try FileIO.makeDirectories(root + "/" + path)
        guard chown(root + "/" + path, owner.0, owner.1) == 0, chmod(root + "/" + path, mode) == 0 else {
            throw SwrunError.system("metadata of \(path)")
        }
    }

    func symlink(_ root: String, _ path: String, to target: String) throws {
        try FileIO.makeDirectories(FileIO.parentPath(root + "/" + path))
        guard Glibc.symlink(target, root + "/" + path) == 0 else { throw SwrunError.system("symlink \(path)") }
    }

    func setMtime(_ root: String, _ path: String, seconds: Int) throws {
        let times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        guard utimensat(AT_FDCWD, root + "/" + path, times, AT_SYMLINK_NOFOLLOW) == 0 else { throw SwrunError.system("utimensat \(path)") }
    }

    func stat(_ root: String, _ path: String) throws -> Glibc.stat {
        var info = Glibc.stat()
        guard lstat(root + "/" + path, &info) == 0 else { throw SwrunError.system("lstat \(path)") }
        return info
    }

    func exists(_ root: String, _ path: String) -> Bool {
        FileIO.exists(root + "/" + path)
    }

    func read(_ root: String, _ path: String) throws -> String {
        try FileIO.readString(root + "/" + path)
    }

    func ignore(_ text: String = "") throws -> IgnorePatterns {
        try IgnorePatterns(parsing: text)
    }

    func buildContext(ignoring text: String = "") throws -> BuildContext {
        BuildContext(root: context, ignore: try ignore(text))
    }

    /// The image: `lower` as the one layer under an empty upper of its own.
    func image() throws -> OverlayView {
        try FileIO.makeDirectories(base + "/image-upper")
        return try OverlayView(upper: base + "/image-upper", lowers: [lower])
    }

    /// Resolves `sources` and copies them as a COPY step would.
    func copy(_ sources: [String], to destination: String, workdir: String = "/", ignoring text: String = "",
              image: OverlayView? = nil, chown: (uid: UInt32, gid: UInt32)? = nil, chmod: UInt32? = nil,
              extractArchives: Bool = false, exclude: [String] = []) throws {
        let context = try buildContext(ignoring: text)
        try LayerCopy.copy(root: context.root, sources: try context.resolve(sources), ignore: context.ignore, destination: destination,
                           workdir: workdir, into: upper, image: image, chown: chown, chmod: chmod, extractArchives: extractArchives,
                           exclude: exclude)
    }

    /// The cache digest of `sources` as a COPY step would take it.
    func digest(_ sources: [String], ignoring text: String = "", chown: (uid: UInt32, gid: UInt32)? = nil, chmod: UInt32? = nil,
                exclude: [String] = []) throws -> String {
        let context = try buildContext(ignoring: text)
        return try LayerCopy.cacheDigest(root: context.root, sources: try context.resolve(sources), ignore: context.ignore,
                                         chown: chown, chmod: chmod, exclude: exclude)
    }

    /// Every path below `root`, sorted, "/"-separated, directories with a trailing "/".
    func tree(_ root: String, _ prefix: String = "") throws -> [String] {
        var result: [String] = []
        for name in try FileIO.directoryNames(root + "/" + prefix).sorted() {
            let path = prefix.isEmpty ? name : prefix + "/" + name
            if (try stat(root, path).st_mode & S_IFMT) == S_IFDIR {
                result.append(path + "/")
                result += try tree(root, path)
            } else {
                result.append(path)
            }
        }
        return result
    }
}
