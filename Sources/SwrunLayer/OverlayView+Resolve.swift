import CSwrun
import Glibc
import SwrunOS

/// Looking names up in the merged view.
extension OverlayView {
    /// Symlinks followed in one resolution before it fails, as Linux's ELOOP limit.
    private static let maxSymlinks = 40

    /// The root of the merged view.
    public func root() throws -> Node {
        try root(from: 0)
    }

    /// The root of the view of the layers from `top` down (1: the lower layers alone).
    func root(from top: Int) throws -> Node {
        var info = stat()
        guard fstat(layers[min(top, layers.count - 1)], &info) == 0 else { throw SwrunError.system("fstat layer root") }
        return Node(path: [], layer: top, info: info, top: top, visibleLayers: try visibleLayers(below: [], from: top))
    }

    /// How many layers, from the top, merge into the directory `path` whose topmost
    /// copy is in layer `top`: down to the first opaque copy or non-directory.
    private func visibleLayers(below path: [String], from top: Int) throws -> Int {
        var layer = top
        while layer < layers.count {
            guard let info = lstatIn(layer, path) else {
                layer += 1
                continue
            }
            if (info.st_mode & S_IFMT) != S_IFDIR { return layer }
            if try isOpaque(layer, path) { return layer + 1 }
            layer += 1
        }
        return layers.count
    }

    /// The child `name` of the directory `parent`, or nil when it does not exist or is whited out.
    public func child(_ name: String, of parent: Node) throws -> Node? {
        guard parent.isDirectory else { return nil }
        let path = parent.path + [name]
        for layer in parent.top..<parent.visibleLayers {
            guard let info = lstatIn(layer, path) else { continue }
            if OverlayMarkers.isWhiteout(info) { return nil }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            return Node(path: path, layer: layer, info: info, top: parent.top,
                        visibleLayers: isDirectory ? try visibleLayers(below: path, from: layer) : 0)
        }
        return nil
    }

    /// The entries of the merged directory `directory`, sorted by name: every visible
    /// layer's names, less whited-out ones.
    public func list(_ directory: Node) throws -> [Node] {
        guard directory.isDirectory else { return [] }
        var names = Set<String>()
        for layer in directory.top..<directory.visibleLayers {
            // A layer that lacks the directory adds nothing.
            guard lstatIn(layer, directory.path) != nil else { continue }
            names.formUnion(try self.names(inLayer: layer, directory.path))
        }
        return try names.sorted().compactMap { try child($0, of: directory) }
    }

    /// Resolves `path` (absolute inside the view) in the merged view, following
    /// symlinks inside the view's root (the final one only if `followLast`). Returns
    /// the resolved components and the node, nil when the last one is missing.
    public func resolve(_ path: String, followLast: Bool) throws -> (path: [String], node: Node?) {
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var current = try root()
        var stack: [Node] = []
        var links = 0
        while let name = pending.popLast() {
            if name == "." || name.isEmpty { continue }
            if name == ".." {
                if let parent = stack.popLast() { current = parent }
                continue
            }
            let isLast = !pending.contains { $0 != "." && !$0.isEmpty }
            guard current.isDirectory else {
                throw SwrunError(.invalidArgument, "not a directory: " + current.display)
            }
            guard let next = try child(name, of: current) else {
                guard isLast else { throw SwrunError(.notFound, "no such file or directory: \(path)") }
                return (current.path + [name], nil)
            }
            if next.isSymlink && (followLast || !isLast) {
                links += 1
                guard links <= Self.maxSymlinks else {
                    throw SwrunError(.invalidArgument, "too many levels of symbolic links: \(path)")
                }
                let target = try readLink(next)
                if target.hasPrefix("/") {
                    current = try root()
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

    /// The target of the symlink `node`, as stored.
    public func readLink(_ node: Node) throws -> String {
        let parent = try openIn(node.layer, Array(node.path.dropLast()), SW_O_PATH | O_DIRECTORY)
        defer { close(parent) }
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = buffer.withUnsafeMutableBytes { raw in
            readlinkat(parent, node.path.last ?? ".", raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
        }
        guard count >= 0 else { throw SwrunError.system("readlink " + node.display) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Opens the regular file `node` for reading: the host file bind-mounted at its
    /// path if there is one, else its topmost copy. The caller closes the fd.
    public func openFile(_ node: Node) throws -> Int32 {
        guard let mounted = mountedFiles[node.path.joined(separator: "/")] else {
            return try openIn(node.layer, node.path, O_RDONLY)
        }
        let fd = open(mounted, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(mounted)") }
        return fd
    }
}
