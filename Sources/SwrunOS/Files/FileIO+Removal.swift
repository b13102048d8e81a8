#if canImport(Glibc)
import Glibc
#endif

extension FileIO {
    /// Names of trees renamed away and not yet deleted start with this; store listings
    /// never match it.
    public static let removalPrefix = ".removed-"

    /// Takes the directory at `path` away in one rename, to a hidden name beside it,
    /// and returns that name (nil when `path` did not exist). From then on nobody
    /// finds it under its own name; deleting the tree, which takes time, can follow
    /// off the caller's critical path.
    public static func detachTree(_ path: String) throws -> String? {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let hidden = String(path[..<slash]) + removalPrefix + String(path[slash...])
        if rename(path, hidden) == 0 { return hidden }
        if errno == ENOENT { return nil }
        throw SwrunError.system("rename \(path)")
    }

    /// Deletes what `detachTree` left in `directory` when the process that was deleting
    /// it died first.
    public static func sweepDetachedTrees(in directory: String) {
        for name in (try? directoryNames(directory)) ?? [] where name.hasPrefix(removalPrefix) {
            try? removeTree(directory + "/" + name)
        }
    }
}
