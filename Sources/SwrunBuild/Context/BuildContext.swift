import Glibc
import SwrunDigest
import SwrunDockerfile
import SwrunLayer
import SwrunOS

/// Where COPY and ADD read from: a directory on disk with the .dockerignore rules applied.
public struct BuildContext: Sendable {
    /// The context directory, absolute and without symlinks.
    public let root: String
    public let ignore: IgnorePatterns

    /// The context `root` (an existing directory) with the rules `ignore`.
    public init(root: String, ignore: IgnorePatterns) {
        self.root = root
        self.ignore = ignore
    }

    /// A directory context. `dockerfile` (a path) selects `<Dockerfile>.dockerignore` beside it
    /// if present, else `<root>/.dockerignore`.
    public static func directory(_ path: String, dockerfile: String?) throws -> BuildContext {
        guard let resolved = realpath(path, nil) else {
            if errno == ENOENT || errno == ENOTDIR { throw SwrunError(.notFound, "unable to prepare context: path \"\(path)\" not found") }
            throw SwrunError.system("unable to prepare context: \(path)")
        }
        let root = String(cString: resolved)
        free(resolved)
        var info = stat()
        guard stat(root, &info) == 0 else { throw SwrunError.system("unable to prepare context: stat \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw SwrunError(.invalidArgument, "unable to prepare context: context must be a directory: \(root)")
        }
        var ignoreFile = root + "/.dockerignore"
        if let dockerfile, FileIO.exists(dockerfile + ".dockerignore") { ignoreFile = dockerfile + ".dockerignore" }
        return BuildContext(root: root, ignore: try readIgnore(ignoreFile))
    }

    /// `swrun build -`: a tar of the context on `fd` (stdin), unpacked (hardened, through
    /// SwrunLayer's extractor) into `scratch`, a directory the caller removes afterwards.
    public static func tar(fd: Int32, scratch: String) throws -> BuildContext {
        try FileIO.makeDirectories(scratch)
        _ = try LayerExtractor.extract(inputFD: fd, destination: scratch)
        let context = try directory(scratch, dockerfile: nil)
        return context
    }

    /// The rules of the .dockerignore file at `path`, none when there is no such file.
    private static func readIgnore(_ path: String) throws -> IgnorePatterns {
        guard FileIO.exists(path) else { return try IgnorePatterns(parsing: "") }
        return try IgnorePatterns(parsing: try FileIO.readString(path))
    }
}
