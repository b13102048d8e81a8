import CSwrun
import Glibc
import SwrunOS

/// The merged view of an overlay upper dir over lower layer dirs, exactly as overlayfs
/// merges them: a whiteout hides the name in the layers below it, an opaque directory
/// everything they have under its name, and a non-directory ends the merge of a
/// directory (`OverlayMarkers`).
///
/// Read and written without the host ever resolving a path: every symlink is read and
/// followed here, inside the view's root, and every open refuses symlinks and `..`
/// (`openat2` with `RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH`) relative to a layer's fd.
/// A container's root as `cp` reads and writes it, and as `diff` lists its changes.
public final class OverlayView {
    /// fds of the layer dirs, the upper first.
    let layers: [Int32]
    /// Paths in the view (`etc/hosts`) whose content is a host file bind-mounted there.
    let mountedFiles: [String: String]

    /// One name in the merged view: the layer its topmost copy is in, and its stat.
    public struct Node {
        /// Its components from the root (empty for the root).
        public let path: [String]
        /// The index of the layer it comes from: 0 is the upper dir.
        public let layer: Int
        /// Its lstat in that layer.
        public let info: stat
        /// The topmost layer of the view it was found in (1 in the lower layers' own).
        /// Its children are looked up from there, not from `layer`: a directory copied
        /// up since it was found has them in a higher layer.
        let top: Int
        /// For a directory, how many layers from the top its children may come from:
        /// down to its first opaque or non-directory copy.
        let visibleLayers: Int

        /// Whether it is a directory (never through a symlink).
        public var isDirectory: Bool { (info.st_mode & S_IFMT) == S_IFDIR }
        /// Whether it is a symlink, which `OverlayView.readLink` reads.
        public var isSymlink: Bool { (info.st_mode & S_IFMT) == S_IFLNK }
        /// `/etc/hosts`, as errors and `diff` name it.
        public var display: String { "/" + path.joined(separator: "/") }
    }

    /// The view of `upper` over `lowers` (unpacked layer dirs, base first).
    /// `mountedFiles` maps paths in the view (`etc/hosts`) to host files whose
    /// content is read in their place, as a container sees its bind-mounted files.
    public init(upper: String, lowers: [String], mountedFiles: [String: String] = [:]) throws {
        self.mountedFiles = mountedFiles
        var fds: [Int32] = []
        for path in [upper] + lowers.reversed() {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                let err = errno
                fds.forEach { close($0) }
                throw SwrunError.system("open \(path)", errno: err)
            }
            fds.append(fd)
        }
        layers = fds
    }

    deinit { layers.forEach { close($0) } }

    // MARK: Layer access

    /// Opens `path` in one layer, refusing every symlink and `..` out of it.
    func openIn(_ layer: Int, _ path: [String], _ flags: Int32) throws -> Int32 {
        let relative = path.isEmpty ? "." : path.joined(separator: "/")
        let fd = sw_openat2(layers[layer], relative, UInt64(flags | O_CLOEXEC | O_NOFOLLOW), 0,
                            SW_RESOLVE_NO_SYMLINKS | SW_RESOLVE_BENEATH)
        guard fd >= 0 else { throw SwrunError.system("open /" + path.joined(separator: "/")) }
        return fd
    }

    /// The lstat of `path` in one layer, nil when that layer has no such path.
    func lstatIn(_ layer: Int, _ path: [String]) -> stat? {
        var info = stat()
        if path.isEmpty {
            return fstat(layers[layer], &info) == 0 ? info : nil
        }
        guard let parent = try? openIn(layer, Array(path.dropLast()), SW_O_PATH | O_DIRECTORY) else { return nil }
        defer { close(parent) }
        return fstatat(parent, path[path.count - 1], &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Whether the directory `path` of one layer is opaque.
    func isOpaque(_ layer: Int, _ path: [String]) throws -> Bool {
        let fd = try openIn(layer, path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        return try OverlayMarkers.isOpaque(directory: fd, subject: "/" + path.joined(separator: "/"))
    }

    /// The names in the directory `path` of one layer, whiteouts included.
    func names(inLayer layer: Int, _ path: [String]) throws -> [String] {
        let fd = try openIn(layer, path, O_RDONLY | O_DIRECTORY)
        guard let directory = fdopendir(fd) else {
            let err = errno
            close(fd)
            throw SwrunError.system("opendir /" + path.joined(separator: "/"), errno: err)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SwrunError.system("readdir /" + path.joined(separator: "/")) }
                return names
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
    }
}
