import CSwrun
import Glibc
import SwrunLayer
import SwrunOS

/// ADD of a local archive: unpacked at the destination, as BuildKit does.
extension LayerCopy {
    /// The source `found`, open and rewound, when its content is a tar archive (plain,
    /// gzip, bzip2, xz or zstd; detected by content, as docker): its first header reads.
    /// Nil otherwise. The caller closes the fd.
    static func openArchive(_ found: ContextTree.Found, in context: ContextTree) throws -> Int32? {
        let fd = sw_openat2(context.rootFD, found.contextPath, UInt64(O_RDONLY | O_CLOEXEC), 0, SW_RESOLVE_BENEATH | SW_RESOLVE_NO_SYMLINKS)
        guard fd >= 0 else { throw SwrunError.system("open /" + found.contextPath + " in the build context") }
        let isArchive: Bool
        do {
            let reader = try TarReader(fd: fd, label: "ADD")
            isArchive = (try? reader.next()) != nil
        } catch {
            isArchive = false
        }
        guard isArchive, lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Unpacks the archive `fd` into the directory `target` of the upper dir through
    /// SwrunLayer's hardened extractor: first into a scratch directory beside the
    /// layer's files (nothing lands outside it), then moved into place. Entries replace
    /// what is there, directories merge, as docker's untar; `chown` applies to every
    /// entry. Whiteout entries fail: the upper dir never holds overlay whiteouts.
    static func extract(_ fd: Int32, named source: String, into tree: UpperTree, at target: [String],
                        chown: (uid: UInt32, gid: UInt32)?) throws {
        close(try tree.ensureDirectory(target, owner: chown ?? (0, 0)))
        var template = Array((tree.path + "/.swrun-add-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SwrunError.system("mkdtemp in \(tree.path)") }
        let scratch = String(cString: made)
        defer { try? FileIO.removeTree(scratch) }
        _ = try LayerExtractor.extract(inputFD: fd, destination: scratch)
        try prepareExtracted(scratch, display: "", source: source, chown: chown)
        try merge(from: scratch, to: tree.path + UpperTree.display(target))
    }

    /// Checks the extracted tree below `path` for overlay markers and applies `chown`.
    private static func prepareExtracted(_ path: String, display: String, source: String, chown: (uid: UInt32, gid: UInt32)?) throws {
        for name in try FileIO.directoryNames(path) {
            let child = path + "/" + name
            let shown = display + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { throw SwrunError.system("lstat \(shown)") }
            let type = info.st_mode & S_IFMT
            if OverlayMarkers.isWhiteout(info) {
                throw SwrunError(.unsupported, "ADD \(source): the archive holds a whiteout entry for \(shown), which a layer cannot carry here")
            }
            if let chown {
                guard lchown(child, chown.uid, chown.gid) == 0 else { throw SwrunError.system("chown \(shown)") }
                // chown clears the setuid and setgid bits: set the mode again.
                if type != S_IFLNK, Glibc.chmod(child, info.st_mode & 0o7777) != 0 { throw SwrunError.system("chmod \(shown)") }
            }
            guard type == S_IFDIR else { continue }
            let fd = open(child, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open \(shown)") }
            let opaque = try OverlayMarkers.isOpaque(directory: fd, subject: shown)
            close(fd)
            if opaque {
                throw SwrunError(.unsupported, "ADD \(source): the archive marks \(shown) opaque (.wh..wh..opq), which a layer cannot carry here")
            }
            try prepareExtracted(child, display: shown, source: source, chown: chown)
        }
    }

    /// Moves the entries of the directory `from` into the directory `to`: a directory
    /// over a directory merges and takes the new metadata, anything else replaces.
    /// Both are real directories of the upper dir (no symlink on either path).
    private static func merge(from: String, to: String) throws {
        for name in try FileIO.directoryNames(from) {
            let source = from + "/" + name
            let target = to + "/" + name
            var incoming = stat()
            guard lstat(source, &incoming) == 0 else { throw SwrunError.system("lstat \(source)") }
            var existing = stat()
            if lstat(target, &existing) == 0 {
                if (incoming.st_mode & S_IFMT) == S_IFDIR && (existing.st_mode & S_IFMT) == S_IFDIR {
                    try merge(from: source, to: target)
                    guard lchown(target, incoming.st_uid, incoming.st_gid) == 0,
                          Glibc.chmod(target, incoming.st_mode & 0o7777) == 0,
                          utimensat(AT_FDCWD, target, [incoming.st_atim, incoming.st_mtim], AT_SYMLINK_NOFOLLOW) == 0 else {
                        throw SwrunError.system("set metadata of \(target)")
                    }
                    continue
                }
                try FileIO.removeTree(target)
            }
            guard rename(source, target) == 0 else { throw SwrunError.system("rename \(source) to \(target)") }
        }
    }
}
