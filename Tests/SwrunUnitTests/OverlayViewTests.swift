import CSwrun
import Glibc
import Testing
@testable import SwrunLayer
import SwrunOS

/// The merged view of small upper and lower trees: whiteouts (mknod) and trusted.*
/// xattrs need root.
@Suite("OverlayView", .enabled(if: runningAsRoot, "needs root"))
struct OverlayViewTests {
    /// `base/{lower,middle,upper}`: two lower layers (base first) under an upper dir.
    final class Layers {
        let dir: TempDir
        var lower: String { dir.base + "/lower" }
        var middle: String { dir.base + "/middle" }
        var upper: String { dir.base + "/upper" }

        init() throws {
            dir = try TempDir()
            for layer in [lower, middle, upper] { try FileIO.makeDirectories(layer) }
        }

        func file(_ layer: String, _ path: String, _ contents: String = "") throws {
            try FileIO.makeDirectories(FileIO.parentPath(layer + "/" + path))
            try FileIO.writeFile(layer + "/" + path, contents)
        }

        func directory(_ layer: String, _ path: String, opaque xattr: String? = nil) throws {
            try FileIO.makeDirectories(layer + "/" + path)
            if let xattr {
                guard sw_lsetxattr(layer + "/" + path, xattr, "y", 1) == 0 else { throw SwrunError.system("setxattr \(xattr)") }
            }
        }

        func whiteout(_ layer: String, _ path: String) throws {
            guard mknod(layer + "/" + path, S_IFCHR | 0o600, 0) == 0 else { throw SwrunError.system("mknod \(path)") }
        }

        func symlink(_ layer: String, _ path: String, to target: String) throws {
            guard Glibc.symlink(target, layer + "/" + path) == 0 else { throw SwrunError.system("symlink \(path)") }
        }

        func view() throws -> OverlayView {
            try OverlayView(upper: upper, lowers: [lower, middle])
        }
    }

    func contents(_ view: OverlayView, _ node: OverlayView.Node) throws -> String {
        let fd = try view.openFile(node)
        defer { close(fd) }
        return String(decoding: try FileIO.readAll(fd), as: UTF8.self)
    }

    func names(_ view: OverlayView, _ path: String) throws -> [String] {
        let node = try #require(try view.resolve(path, followLast: true).node)
        return try view.list(node).map { $0.path.last ?? "" }
    }

    @Test("symlinks resolve inside the root: absolute, relative, and .. past the root")
    func resolveThroughSymlinks() throws {
        let layers = try Layers()
        try layers.file(layers.lower, "etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        try layers.symlink(layers.lower, "absolute", to: "/etc")
        try layers.symlink(layers.middle, "relative", to: "usr/../etc")
        try layers.directory(layers.middle, "usr")
        try layers.symlink(layers.upper, "escape", to: "../../../../../etc")
        let view = try layers.view()
        for path in ["/absolute/passwd", "/relative/passwd", "/escape/passwd", "/usr/../escape/./passwd"] {
            let resolved = try view.resolve(path, followLast: true)
            #expect(resolved.path == ["etc", "passwd"], "\(path)")
            let node = try #require(resolved.node)
            #expect(node.layer == 2)
            #expect(try contents(view, node) == "root:x:0:0::/root:/bin/sh\n")
        }
        let link = try #require(try view.resolve("/absolute", followLast: false).node)
        #expect(link.isSymlink && link.layer == 2)
        #expect(try view.readLink(link) == "/etc")
        #expect(try view.resolve("/absolute/missing", followLast: true).path == ["etc", "missing"])
        #expect(throws: SwrunError.self) { try view.resolve("/missing/passwd", followLast: true) }
    }

    @Test("a whiteout hides the file of a lower layer")
    func whiteoutHidesLowerFile() throws {
        let layers = try Layers()
        try layers.file(layers.lower, "etc/gone", "old\n")
        try layers.file(layers.lower, "etc/kept", "kept\n")
        try layers.file(layers.lower, "etc/shadowed", "lower\n")
        try layers.directory(layers.middle, "etc")
        try layers.whiteout(layers.middle, "etc/gone")
        try layers.file(layers.upper, "etc/shadowed", "upper\n")
        let view = try layers.view()
        #expect(try view.resolve("/etc/gone", followLast: true).node == nil)
        #expect(try names(view, "/etc") == ["kept", "shadowed"])
        let shadowed = try #require(try view.resolve("/etc/shadowed", followLast: true).node)
        #expect(shadowed.layer == 0)
        #expect(try contents(view, shadowed) == "upper\n")
    }

    @Test("an opaque dir hides what lower layers have under its name", arguments: ["trusted.overlay.opaque", "user.overlay.opaque"])
    func opaqueDirectoryHidesLowerEntries(xattr: String) throws {
        let layers = try Layers()
        try layers.file(layers.lower, "opq/a")
        try layers.file(layers.middle, "opq/b")
        try layers.file(layers.lower, "merged/a")
        try layers.file(layers.middle, "merged/b")
        try layers.directory(layers.upper, "opq", opaque: xattr)
        try layers.file(layers.upper, "opq/c")
        let view = try layers.view()
        #expect(try names(view, "/opq") == ["c"])
        #expect(try view.resolve("/opq/a", followLast: true).node == nil)
        #expect(try names(view, "/merged") == ["a", "b"])
        #expect(try names(view, "/") == ["merged", "opq"])
    }

    @Test("a non-directory in a higher layer ends the merge of a directory below it")
    func fileReplacesDirectory() throws {
        let layers = try Layers()
        try layers.file(layers.lower, "thing/inner")
        try layers.file(layers.middle, "thing", "a file\n")
        try layers.directory(layers.upper, "thing")
        try layers.file(layers.upper, "thing/new")
        let view = try layers.view()
        #expect(try names(view, "/thing") == ["new"])
    }

    @Test("changes: A for new, C for changed and copied-up, D for whiteouts and what an opaque dir hides")
    func changes() throws {
        let layers = try Layers()
        try layers.file(layers.lower, "etc/passwd", "root\n")
        try layers.file(layers.lower, "etc/gone")
        try layers.file(layers.lower, "opq/a")
        try layers.file(layers.middle, "opq/b")
        try layers.directory(layers.middle, "etc")
        try layers.whiteout(layers.middle, "etc/hidden-below")
        try layers.file(layers.upper, "etc/passwd", "root\nuser\n")
        try layers.whiteout(layers.upper, "etc/gone")
        try layers.file(layers.upper, "etc/hostname")
        try layers.file(layers.upper, "etc/hidden-below")
        try layers.file(layers.upper, "new/file")
        try layers.directory(layers.upper, "opq", opaque: "trusted.overlay.opaque")
        try layers.file(layers.upper, "opq/b")
        try layers.file(layers.upper, "opq/c")
        let changes = try layers.view().changes(exclude: LayerWriter.runtimePlaceholders)
        #expect(changes.map { "\($0.kind.rawValue) \($0.path)" } == [
            "C /etc", "D /etc/gone", "A /etc/hidden-below", "C /etc/passwd", "A /new", "A /new/file",
            "C /opq", "D /opq/a", "C /opq/b", "A /opq/c",
        ])
    }

    @Test("copy in: parents only lower layers have are copied up; a new dir over a whiteout is opaque")
    func copyIn() throws {
        let layers = try Layers()
        try layers.directory(layers.lower, "srv/data")
        guard chmod(layers.lower + "/srv/data", 0o750) == 0 else { throw SwrunError.system("chmod") }
        try layers.file(layers.lower, "tree/old")
        try layers.file(layers.lower, "opt/keep")
        try layers.whiteout(layers.upper, "tree")
        let host = try TempDir()
        try FileIO.writeFile(host.root + "/note", "hello\n")
        try FileIO.makeDirectories(host.root + "/tree")
        try FileIO.writeFile(host.root + "/tree/new", "new\n")
        let view = try layers.view()

        try view.copyIn(host.root + "/note", to: "/srv/data")
        var info = stat()
        #expect(lstat(layers.upper + "/srv/data", &info) == 0 && info.st_mode & 0o7777 == 0o750)
        #expect(try FileIO.readString(layers.upper + "/srv/data/note") == "hello\n")
        let note = try #require(try view.resolve("/srv/data/note", followLast: true).node)
        #expect(note.layer == 0)

        try view.copyIn(host.root + "/tree", to: "/")
        #expect(try names(view, "/tree") == ["new"])
        let tree = try #require(try view.resolve("/tree", followLast: true).node)
        #expect(try view.isOpaque(0, tree.path))

        // Into a directory that only a lower layer had when the copy began.
        try view.copyIn(host.root + "/tree", to: "/opt/")
        #expect(try names(view, "/opt") == ["keep", "tree"])
        #expect(try names(view, "/opt/tree") == ["new"])
        #expect(try FileIO.readString(layers.upper + "/opt/tree/new") == "new\n")
    }

    @Test("copy out reads a bind-mounted file in place of the layers' own")
    func copyOutMountedFile() throws {
        let layers = try Layers()
        try layers.file(layers.lower, "etc/hosts", "image's\n")
        let host = try TempDir()
        try FileIO.writeFile(host.base + "/hosts", "runtime's\n")
        let view = try OverlayView(upper: layers.upper, lowers: [layers.lower], mountedFiles: ["etc/hosts": host.base + "/hosts"])
        try view.copyOut("/etc/hosts", to: host.root)
        #expect(try FileIO.readString(host.root + "/hosts") == "runtime's\n")
    }
}
