import Glibc
import SwrunOS

/// Overlay whiteouts and xattrs as OCI layer entries.
extension TreeWalker {
    static let whiteoutPrefix = Array(".wh.".utf8)
    static let opaqueMarker = Array(".wh..wh..opq".utf8)

    /// A 0/0 char device `dir/NAME` becomes the empty file `dir/.wh.NAME`.
    func writeWhiteout(for path: [UInt8], _ st: stat) throws {
        let slash = path.lastIndex(of: UInt8(ascii: "/"))
        let parent = slash.map { Array(path[...$0]) } ?? []
        let name = slash.map { Array(path[($0 + 1)...]) } ?? path
        try sink.writeEmptyFile(path: parent + Self.whiteoutPrefix + name, like: st)
    }

    /// The xattrs of `name` in the directory `dirFD` (of the directory itself when
    /// `name` is nil), not following symlinks, sorted by name, without overlay's own.
    static func xattrs(of dirFD: Int32, name: [UInt8]?, path: [UInt8]) throws -> [(name: String, value: [UInt8])] {
        // The fd's magic link is followed as a middle component; `/.` names the
        // directory itself (lgetxattr on the bare link would read the link's own).
        var target = Array("/proc/self/fd/\(dirFD)/".utf8) + (name ?? [UInt8(ascii: ".")])
        target.append(0)
        return try target.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { cPath in
                try ExtendedAttributes.all(cPath.baseAddress!, scope: "layer writer: ", subject: "\"\(display(path))\"")
                    .filter { !OverlayMarkers.isOverlayXattr($0.name) }
            }
        }
    }
}
