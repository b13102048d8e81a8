import Glibc
import SwrunLayer
import SwrunOS

/// docker's copy-up: a new, empty volume is first filled with what the image has at
/// the volume's path, owners, modes and times kept. Read through `OverlayView`, so
/// whiteouts and opaque directories hide what they hide in the container.
enum VolumeCopyUp {
    /// `ImageContentCopier`: copies the directory `path` of the image (`layerDirs`, base
    /// first) into `target`. False when the image has no directory there.
    @Sendable static func copy(_ path: String, layerDirs: [String], target: String) throws -> Bool {
        guard let top = layerDirs.last else { return false }
        let view = try OverlayView(upper: top, lowers: Array(layerDirs.dropLast()))
        guard let node = try view.resolve(path, followLast: true).node, node.isDirectory else { return false }
        try copyChildren(of: node, view: view, to: target)
        try applyMetadata(node.info, to: target)
        return true
    }

    private static func copyChildren(of directory: OverlayView.Node, view: OverlayView, to host: String) throws {
        for child in try view.list(directory) {
            try copyNode(child, view: view, to: host + "/" + (child.path.last ?? ""))
        }
    }

    private static func copyNode(_ node: OverlayView.Node, view: OverlayView, to host: String) throws {
        let info = node.info
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            guard mkdir(host, 0o700) == 0 || errno == EEXIST else { throw SwrunError.system("mkdir \(host)") }
            try copyChildren(of: node, view: view, to: host)
        case S_IFLNK:
            guard symlink(try view.readLink(node), host) == 0 else { throw SwrunError.system("symlink \(host)") }
        case S_IFREG:
            let input = try view.openFile(node)
            defer { close(input) }
            let output = open(host, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard output >= 0 else { throw SwrunError.system("open \(host)") }
            defer { close(output) }
            try FileIO.copyData(from: input, to: output, what: host)
        case S_IFIFO, S_IFCHR, S_IFBLK:
            guard mknod(host, info.st_mode, info.st_rdev) == 0 else { throw SwrunError.system("mknod \(host)") }
        default:
            return
        }
        try applyMetadata(info, to: host)
    }

    /// Owner, then mode (chown clears set-id bits), then times; never through a symlink.
    private static func applyMetadata(_ info: stat, to host: String) throws {
        guard fchownat(AT_FDCWD, host, info.st_uid, info.st_gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw SwrunError.system("chown \(host)")
        }
        if (info.st_mode & S_IFMT) != S_IFLNK {
            guard chmod(host, mode_t(info.st_mode & 0o7777)) == 0 else { throw SwrunError.system("chmod \(host)") }
        }
        var times = [info.st_atim, info.st_mtim]
        _ = utimensat(AT_FDCWD, host, &times, AT_SYMLINK_NOFOLLOW)
    }
}
