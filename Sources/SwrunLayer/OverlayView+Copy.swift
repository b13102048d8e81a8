import CSwrun
import Glibc
import SwrunOS

/// Copying between the merged view and the host (`docker cp`).
extension OverlayView {
    // MARK: Copying out

    /// Copies the file, symlink or directory tree at `path` of the view to the host
    /// path `host` (into it when it is a directory). `path` ending in `/.` copies a
    /// directory's contents; ending in `/` or `/.`, a final symlink is followed.
    public func copyOut(_ path: String, to host: String) throws {
        let followLast = path.hasSuffix("/") || path.hasSuffix("/.")
        let resolved = try resolve(path, followLast: followLast)
        guard let node = resolved.node else { throw SwrunError(.notFound, "Could not find the file \(path) in container") }
        var target = host
        var info = stat()
        if stat(host, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, !path.hasSuffix("/.") {
            target = host + "/" + (node.path.last ?? "")
        }
        if path.hasSuffix("/."), node.isDirectory {
            try FileIO.makeDirectories(target)
            try copyChildren(of: node, to: target)
            return
        }
        try copyNode(node, to: target)
    }

    private func copyNode(_ node: Node, to host: String) throws {
        let mode = mode_t(node.info.st_mode & 0o7777)
        switch node.info.st_mode & S_IFMT {
        case S_IFDIR:
            if mkdir(host, mode) != 0 && errno != EEXIST { throw SwrunError.system("mkdir \(host)") }
            try copyChildren(of: node, to: host)
            _ = chmod(host, mode)
        case S_IFLNK:
            let target = try readLink(node)
            unlink(host)
            guard symlink(target, host) == 0 else { throw SwrunError.system("symlink \(host)") }
        case S_IFREG:
            let input = try openFile(node)
            defer { close(input) }
            let output = open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
            guard output >= 0 else { throw SwrunError.system("open \(host)") }
            defer { close(output) }
            try FileIO.copyData(from: input, to: output, what: host)
            _ = fchmod(output, mode)
        default:
            return
        }
    }

    private func copyChildren(of node: Node, to host: String) throws {
        for child in try list(node) {
            try copyNode(child, to: host + "/" + (child.path.last ?? ""))
        }
    }

    // MARK: Copying in

    /// Copies the host file, symlink or tree `host` to `path` of the view (into it
    /// when it is a directory), writing into the upper dir: the directories on the
    /// way that only lower layers have are copied up first.
    public func copyIn(_ host: String, to path: String) throws {
        var info = stat()
        guard lstat(host, &info) == 0 else { throw SwrunError.system("lstat \(host)") }
        let resolved = try resolve(path, followLast: true)
        var target = resolved.path
        if let node = resolved.node, node.isDirectory {
            target.append(Self.lastComponent(ofHostPath: host))
        } else if resolved.node == nil, path.hasSuffix("/"), (info.st_mode & S_IFMT) != S_IFDIR {
            throw SwrunError(.notFound, "no such directory: \(path)")
        }
        guard let name = target.last else { throw SwrunError(.invalidArgument, "cannot replace the container's root") }
        let parentPath = "/" + target.dropLast().joined(separator: "/")
        guard let parent = try resolve(parentPath, followLast: true).node, parent.isDirectory else {
            throw SwrunError(.notFound, "no such directory: \(parentPath)")
        }
        try copyUp(parent)
        try writeHost(host, into: parent, name: name)
    }

    /// Makes the directory `directory` (and its parents) exist in the upper dir, each
    /// with the mode and owner of the copy it shadows.
    public func copyUp(_ directory: Node) throws {
        var parent = try root()
        for name in directory.path {
            guard let next = try child(name, of: parent), next.isDirectory else {
                throw SwrunError(.notFound, "no such directory: " + directory.display)
            }
            if lstatIn(0, next.path) == nil {
                let parentFD = try openIn(0, parent.path, O_RDONLY | O_DIRECTORY)
                defer { close(parentFD) }
                guard mkdirat(parentFD, name, mode_t(next.info.st_mode & 0o7777)) == 0 else {
                    throw SwrunError.system("mkdir " + next.display)
                }
                _ = fchownat(parentFD, name, next.info.st_uid, next.info.st_gid, AT_SYMLINK_NOFOLLOW)
            }
            parent = next
        }
    }

    /// Writes the host file, symlink or tree `host` as `name` in the merged directory
    /// `parent`, which exists in the upper dir.
    private func writeHost(_ host: String, into parent: Node, name: String) throws {
        var info = stat()
        guard lstat(host, &info) == 0 else { throw SwrunError.system("lstat \(host)") }
        let parentFD = try openIn(0, parent.path, O_RDONLY | O_DIRECTORY)
        defer { close(parentFD) }
        let existing = try child(name, of: parent)
        var upperInfo = stat()
        let inUpper = fstatat(parentFD, name, &upperInfo, AT_SYMLINK_NOFOLLOW) == 0
        let upperType = upperInfo.st_mode & S_IFMT
        let mode = mode_t(info.st_mode & 0o7777)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if inUpper && upperType != S_IFDIR {
                guard unlinkat(parentFD, name, 0) == 0 else { throw SwrunError.system("unlink \(name)") }
            }
            let created = !(inUpper && upperType == S_IFDIR)
            if created {
                guard mkdirat(parentFD, name, mode) == 0 else { throw SwrunError.system("mkdir \(name)") }
            }
            // A new directory over a lower non-directory or a whiteout must not merge
            // with what lower layers have under that name.
            if created && existing?.isDirectory != true {
                let fd = try openIn(0, parent.path + [name], O_RDONLY | O_DIRECTORY)
                defer { close(fd) }
                try ExtendedAttributes.set(OverlayMarkers.opaqueXattr, "y", fd: fd, scope: "", subject: "/" + (parent.path + [name]).joined(separator: "/"))
            }
            guard let node = try child(name, of: parent) else { throw SwrunError(.internalError, "cp: \(name) vanished") }
            for entry in try FileIO.directoryNames(host).sorted() {
                try writeHost(host + "/" + entry, into: node, name: entry)
            }
        case S_IFLNK:
            if inUpper { _ = unlinkat(parentFD, name, upperType == S_IFDIR ? AT_REMOVEDIR : 0) }
            guard symlinkat(try FileIO.readLink(host), parentFD, name) == 0 else { throw SwrunError.system("symlink \(name)") }
        case S_IFREG:
            if inUpper && upperType != S_IFREG {
                guard unlinkat(parentFD, name, upperType == S_IFDIR ? AT_REMOVEDIR : 0) == 0 else {
                    throw SwrunError.system("unlink \(name)")
                }
            }
            let input = open(host, O_RDONLY | O_CLOEXEC)
            guard input >= 0 else { throw SwrunError.system("open \(host)") }
            defer { close(input) }
            let output = sw_openat2(parentFD, name, UInt64(O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC), UInt64(mode),
                                    SW_RESOLVE_NO_SYMLINKS | SW_RESOLVE_BENEATH)
            guard output >= 0 else { throw SwrunError.system("open " + "/" + (parent.path + [name]).joined(separator: "/")) }
            defer { close(output) }
            try FileIO.copyData(from: input, to: output, what: name)
            _ = fchmod(output, mode)
        default:
            return
        }
    }

    // MARK: Helpers

    /// The name `host` gives its file, as a URL's last component: `.` and `..` are
    /// resolved lexically against the working directory, trailing slashes dropped.
    static func lastComponent(ofHostPath host: String) -> String {
        var components: [Substring] = []
        if !host.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                components = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    .split(separator: "/")
            }
        }
        for component in host.split(separator: "/") where component != "." {
            if component == ".." {
                _ = components.popLast()
            } else {
                components.append(component)
            }
        }
        return components.last.map(String.init) ?? "/"
    }
}
