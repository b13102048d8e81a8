import ArgumentParser
import CSwrun
import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Cp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp", abstract: "Copy files/folders between a container and the local filesystem.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "CONTAINER:SRC_PATH or SRC_PATH.")
    var source: String
    @Argument(help: "DEST_PATH or CONTAINER:DEST_PATH.")
    var destination: String

    mutating func run() throws {
        guard source != "-", destination != "-" else {
            throw SwrunError(.unsupported, "cp: tar streams (-) are not supported yet; give a host path")
        }
        let from = Self.split(source)
        let to = Self.split(destination)
        switch (from, to) {
        case (.some(let container), .none):
            let view = try containerView(container.name)
            try view.copyOut(container.path, to: destination)
        case (.none, .some(let container)):
            let view = try containerView(container.name)
            try view.copyIn(source, to: container.path)
        case (.some, .some):
            throw SwrunError(.invalidArgument, "copying between containers is not supported")
        case (.none, .none):
            throw SwrunError(.invalidArgument, "must specify at least one container source")
        }
    }

    /// `NAME:PATH` → (NAME, PATH); a local path (absolute, relative with `./`, or
    /// without a colon before its first slash) → nil, as docker decides.
    static func split(_ argument: String) -> (name: String, path: String)? {
        if argument.hasPrefix("/") || argument.hasPrefix(".") { return nil }
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        if let slash = argument.firstIndex(of: "/"), slash < colon { return nil }
        return (String(argument[..<colon]), String(argument[argument.index(after: colon)...]))
    }

    private func containerView(_ reference: String) throws -> ContainerFilesystem {
        let runtime = try global.runtime()
        let state = try runtime.containers.lookup(reference)
        let store = try global.imageStore()
        let lowers = try store.ensureUnpacked(store.resolve(state.imageID))
        let directory = runtime.containers.path(of: state.id)
        // The files swrun bind-mounts over the container's own: what the container sees.
        var mounted: [String: String] = [:]
        for name in ["hostname", "hosts", "resolv.conf"] where FileIO.exists(directory + "/" + name) {
            mounted["etc/" + name] = directory + "/" + name
        }
        return try ContainerFilesystem(upper: directory + "/upper", lowers: lowers, mountedFiles: mounted)
    }
}

/// The merged view of a container's root, built from its upper dir over its image's
/// layer dirs the way overlayfs merges them (whiteouts, opaque dirs), read and written
/// without the host ever resolving a path: every symlink is read and followed here,
/// inside the container's root, and every open refuses symlinks (`openat2` with
/// `RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH`) relative to a layer's fd.
final class ContainerFilesystem {
    /// fds of the layer dirs, top (upper) first.
    private let layers: [Int32]
    private let upper: Int32
    /// Container paths (`etc/hosts`) whose content comes from a host file bind-mounted there.
    private let mountedFiles: [String: String]

    /// One name in the merged view: the layer it comes from, its stat, and how many
    /// layers (from the top) its children may come from.
    struct Node {
        var path: [String]
        var layer: Int
        var info: stat
        var visibleLayers: Int
        var isDirectory: Bool { (info.st_mode & S_IFMT) == S_IFDIR }
        var isSymlink: Bool { (info.st_mode & S_IFMT) == S_IFLNK }
    }

    init(upper: String, lowers: [String], mountedFiles: [String: String] = [:]) throws {
        self.mountedFiles = mountedFiles
        var fds: [Int32] = []
        for path in [upper] + lowers.reversed() {
            let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else {
                fds.forEach { close($0) }
                throw SwrunError.system("open \(path)")
            }
            fds.append(fd)
        }
        layers = fds
        self.upper = fds[0]
    }

    deinit { layers.forEach { close($0) } }

    // MARK: Resolving

    private static let maxSymlinks = 40

    /// The root of the merged view.
    private func rootNode() throws -> Node {
        var info = stat()
        guard fstat(upper, &info) == 0 else { throw SwrunError.system("fstat upper") }
        return Node(path: [], layer: 0, info: info, visibleLayers: visibleLayers(below: [], from: 0))
    }

    /// How many layers, from the top, merge into the directory `path` whose topmost
    /// copy is in layer `top`: down to the first opaque copy or non-directory.
    private func visibleLayers(below path: [String], from top: Int) -> Int {
        var layer = top
        while layer < layers.count {
            guard let info = lstatIn(layer, path) else {
                layer += 1
                continue
            }
            if (info.st_mode & S_IFMT) != S_IFDIR { return layer }
            if isOpaque(layer, path) { return layer + 1 }
            layer += 1
        }
        return layers.count
    }

    /// The child `name` of the directory `parent`, or nil when it does not exist or is whited out.
    func child(_ name: String, of parent: Node) -> Node? {
        let path = parent.path + [name]
        for layer in 0..<parent.visibleLayers {
            guard let info = lstatIn(layer, path) else { continue }
            if Self.isWhiteout(info) { return nil }
            var node = Node(path: path, layer: layer, info: info, visibleLayers: 0)
            if node.isDirectory { node.visibleLayers = visibleLayers(below: path, from: layer) }
            return node
        }
        return nil
    }

    /// Resolves `path` (absolute inside the container) in the merged view, following
    /// symlinks inside the container's root (the final one only if `followLast`).
    /// Returns the resolved components and the node, nil when the last one is missing.
    func resolve(_ path: String, followLast: Bool) throws -> (path: [String], node: Node?) {
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var current = try rootNode()
        var stack: [Node] = []
        var links = 0
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                if let parent = stack.popLast() { current = parent }
                continue
            }
            guard current.isDirectory else {
                throw SwrunError(.invalidArgument, "not a directory: /" + current.path.joined(separator: "/"))
            }
            guard let next = child(name, of: current) else {
                if pending.contains(where: { $0 != "." && !$0.isEmpty }) {
                    throw SwrunError(.notFound, "no such file or directory: \(path)")
                }
                return (current.path + [name], nil)
            }
            if next.isSymlink && (followLast || pending.contains(where: { $0 != "." && !$0.isEmpty })) {
                links += 1
                guard links <= Self.maxSymlinks else { throw SwrunError(.invalidArgument, "too many levels of symbolic links: \(path)") }
                let target = try readLink(next)
                if target.hasPrefix("/") {
                    current = try rootNode()
                    stack = []
                }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
                continue
            }
            stack.append(current)
            current = next
        }
        return (current.path, current)
    }

    // MARK: Copying out

    /// `cp CTR:path host`: a file, symlink or directory tree of the merged view.
    func copyOut(_ path: String, to host: String) throws {
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
            let input: Int32
            if let mounted = mountedFiles[node.path.joined(separator: "/")] {
                input = open(mounted, O_RDONLY | O_CLOEXEC)
                guard input >= 0 else { throw SwrunError.system("open \(mounted)") }
            } else {
                input = try openIn(node.layer, node.path, O_RDONLY)
            }
            defer { close(input) }
            let output = open(host, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
            guard output >= 0 else { throw SwrunError.system("open \(host)") }
            defer { close(output) }
            try Self.copyData(from: input, to: output, what: host)
            _ = fchmod(output, mode)
        default:
            return
        }
    }

    private func copyChildren(of node: Node, to host: String) throws {
        for name in listDirectory(node) {
            guard let child = child(name, of: node) else { continue }
            try copyNode(child, to: host + "/" + name)
        }
    }

    /// The names in a merged directory: every visible layer's, less whiteouts.
    private func listDirectory(_ node: Node) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for layer in node.layer..<max(node.visibleLayers, node.layer + 1) {
            guard let fd = try? openIn(layer, node.path, O_RDONLY | O_DIRECTORY), let directory = fdopendir(fd) else { continue }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                if seen.insert(name).inserted { names.append(name) }
            }
            closedir(directory)
        }
        return names.sorted()
    }

    // MARK: Copying in

    /// `cp host CTR:path`: writes into the upper dir, creating the parents there that
    /// only lower layers have (copy-up of directories).
    func copyIn(_ host: String, to path: String) throws {
        var info = stat()
        guard lstat(host, &info) == 0 else { throw SwrunError.system("lstat \(host)") }
        let resolved = try resolve(path, followLast: true)
        var target = resolved.path
        if let node = resolved.node, node.isDirectory {
            target.append(URL(fileURLWithPath: host).lastPathComponent)
        } else if resolved.node == nil, path.hasSuffix("/"), (info.st_mode & S_IFMT) != S_IFDIR {
            throw SwrunError(.notFound, "no such directory: \(path)")
        }
        guard !target.isEmpty else { throw SwrunError(.invalidArgument, "cannot replace the container's root") }
        let parentPath = Array(target.dropLast())
        let (_, parentNode) = try resolve("/" + parentPath.joined(separator: "/"), followLast: true)
        guard let parentNode, parentNode.isDirectory else {
            throw SwrunError(.notFound, "no such directory: /" + parentPath.joined(separator: "/"))
        }
        try copyUp(parentNode)
        try writeHost(host, into: parentNode, name: target[target.count - 1])
    }

    /// Makes the directory `node` (and its parents) exist in the upper dir.
    private func copyUp(_ node: Node) throws {
        var parent = try rootNode()
        for name in node.path {
            guard let next = child(name, of: parent), next.isDirectory else {
                throw SwrunError(.notFound, "no such directory: /" + node.path.joined(separator: "/"))
            }
            if lstatIn(0, next.path) == nil {
                let parentFD = try openIn(0, parent.path, O_RDONLY | O_DIRECTORY)
                defer { close(parentFD) }
                guard mkdirat(parentFD, name, mode_t(next.info.st_mode & 0o7777)) == 0 else {
                    throw SwrunError.system("mkdir /" + next.path.joined(separator: "/"))
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
        let existing = child(name, of: parent)
        var upperInfo = stat()
        let inUpper = fstatat(parentFD, name, &upperInfo, AT_SYMLINK_NOFOLLOW) == 0
        let mode = mode_t(info.st_mode & 0o7777)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if inUpper && (upperInfo.st_mode & S_IFMT) != S_IFDIR {
                guard unlinkat(parentFD, name, 0) == 0 else { throw SwrunError.system("unlink \(name)") }
            }
            var created = false
            if !(inUpper && (upperInfo.st_mode & S_IFMT) == S_IFDIR) {
                guard mkdirat(parentFD, name, mode) == 0 else { throw SwrunError.system("mkdir \(name)") }
                created = true
            }
            // A new directory over a lower non-directory or a whiteout must not merge
            // with what lower layers have under that name.
            if created && (existing == nil || existing?.isDirectory == false) {
                _ = setxattrAt(parentFD, name, "trusted.overlay.opaque", "y")
            }
            guard let node = child(name, of: parent) else { throw SwrunError(.internalError, "cp: \(name) vanished") }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: host)) ?? []
            for entry in names.sorted() {
                try writeHost(host + "/" + entry, into: node, name: entry)
            }
        case S_IFLNK:
            if inUpper { _ = unlinkat(parentFD, name, (upperInfo.st_mode & S_IFMT) == S_IFDIR ? AT_REMOVEDIR : 0) }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(host, &buffer, buffer.count - 1)
            guard count >= 0 else { throw SwrunError.system("readlink \(host)") }
            guard symlinkat(String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self), parentFD, name) == 0 else {
                throw SwrunError.system("symlink \(name)")
            }
        case S_IFREG:
            if inUpper && (upperInfo.st_mode & S_IFMT) != S_IFREG {
                guard unlinkat(parentFD, name, (upperInfo.st_mode & S_IFMT) == S_IFDIR ? AT_REMOVEDIR : 0) == 0 else {
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
            try Self.copyData(from: input, to: output, what: name)
            _ = fchmod(output, mode)
        default:
            return
        }
    }

    // MARK: Layer access

    /// Opens `path` in one layer, refusing every symlink and `..` out of it.
    private func openIn(_ layer: Int, _ path: [String], _ flags: Int32) throws -> Int32 {
        let relative = path.isEmpty ? "." : path.joined(separator: "/")
        let fd = sw_openat2(layers[layer], relative, UInt64(flags | O_CLOEXEC | O_NOFOLLOW), 0,
                            SW_RESOLVE_NO_SYMLINKS | SW_RESOLVE_BENEATH)
        guard fd >= 0 else { throw SwrunError.system("open /" + path.joined(separator: "/")) }
        return fd
    }

    private func lstatIn(_ layer: Int, _ path: [String]) -> stat? {
        var info = stat()
        if path.isEmpty {
            return fstat(layers[layer], &info) == 0 ? info : nil
        }
        guard let parent = try? openIn(layer, Array(path.dropLast()), SW_O_PATH | O_DIRECTORY) else { return nil }
        defer { close(parent) }
        return fstatat(parent, path[path.count - 1], &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    private func isOpaque(_ layer: Int, _ path: [String]) -> Bool {
        guard let fd = try? openIn(layer, path, O_RDONLY | O_DIRECTORY) else { return false }
        defer { close(fd) }
        var value = [UInt8](repeating: 0, count: 4)
        for key in ["trusted.overlay.opaque", "user.overlay.opaque"] {
            let count = fgetxattr(fd, key, &value, value.count)
            if count == 1 && value[0] == UInt8(ascii: "y") { return true }
        }
        return false
    }

    private func readLink(_ node: Node) throws -> String {
        guard let parent = try? openIn(node.layer, Array(node.path.dropLast()), SW_O_PATH | O_DIRECTORY) else {
            throw SwrunError.system("open /" + node.path.dropLast().joined(separator: "/"))
        }
        defer { close(parent) }
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { raw in
            readlinkat(parent, node.path[node.path.count - 1], raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
        }
        guard count >= 0 else { throw SwrunError.system("readlink /" + node.path.joined(separator: "/")) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// overlayfs's whiteout: a character device 0/0.
    private static func isWhiteout(_ info: stat) -> Bool {
        (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == 0
    }

    private static func copyData(from input: Int32, to output: Int32, what: String) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SwrunError.system("read \(what)")
            }
            if count == 0 { return }
            try FileIO.writeAll(output, Array(chunk[0..<count]), step: "write \(what)")
        }
    }
}

/// Sets an xattr on `name` in the directory `dirFD` (no symlink is followed).
private func setxattrAt(_ dirFD: Int32, _ name: String, _ key: String, _ value: String) -> Int32 {
    let fd = sw_openat2(dirFD, name, UInt64(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), 0,
                        SW_RESOLVE_NO_SYMLINKS | SW_RESOLVE_BENEATH)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    return sw_fsetxattr(fd, key, value, value.utf8.count)
}

/// glibc's `fgetxattr(2)`, which the Glibc module does not export; a plain C signature.
@_silgen_name("fgetxattr")
private func fgetxattr(_ fd: Int32, _ name: UnsafePointer<CChar>, _ value: UnsafeMutableRawPointer?, _ size: Int) -> Int
