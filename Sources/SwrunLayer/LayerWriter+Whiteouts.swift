import CSwrun
import Glibc
import SwrunOS

/// Overlay whiteouts and xattrs as OCI layer entries.
extension TreeWalker {
    static let whiteoutPrefix = Array(".wh.".utf8)
    static let opaqueMarker = Array(".wh..wh..opq".utf8)
    private static let overlayXattrPrefixes = ["trusted.overlay.", "user.overlay."]

    /// A 0/0 char device `dir/NAME` becomes the empty file `dir/.wh.NAME`.
    func writeWhiteout(for path: [UInt8], _ st: stat) throws {
        let slash = path.lastIndex(of: UInt8(ascii: "/"))
        let parent = slash.map { Array(path[...$0]) } ?? []
        let name = slash.map { Array(path[($0 + 1)...]) } ?? path
        try sink.writeEmptyFile(path: parent + Self.whiteoutPrefix + name, like: st)
    }

    /// Whether the directory open at `fd` is an overlay opaque dir
    /// (`trusted.overlay.opaque=y`, or overlay's `user.overlay.opaque=y` form).
    static func isOpaque(_ fd: Int32, path: [UInt8]) throws -> Bool {
        for name in ["trusted.overlay.opaque", "user.overlay.opaque"] {
            var value = [UInt8](repeating: 0, count: 8)
            let count = value.withUnsafeMutableBytes { sw_lgetxattr("/proc/self/fd/\(fd)/.", name, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == ENODATA || errno == EOPNOTSUPP || errno == ERANGE { continue }
                throw SwrunError.system("layer writer: getxattr \(name) \"\(display(path))\"")
            }
            if count == 1 && value[0] == UInt8(ascii: "y") { return true }
        }
        return false
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
                try readXattrs(cPath.baseAddress!, path: path)
            }
        }
    }

    private static func readXattrs(_ cPath: UnsafePointer<CChar>, path: [UInt8]) throws -> [(name: String, value: [UInt8])] {
        let size = llistxattr(cPath, nil, 0)
        if size < 0 {
            if errno == EOPNOTSUPP { return [] }
            throw SwrunError.system("layer writer: listxattr \"\(display(path))\"")
        }
        guard size > 0 else { return [] }
        var list = [CChar](repeating: 0, count: size)
        let listed = llistxattr(cPath, &list, list.count)
        guard listed >= 0 else { throw SwrunError.system("layer writer: listxattr \"\(display(path))\"") }
        let names = list[0..<listed].split(separator: 0).map { String(decoding: $0.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        var result: [(name: String, value: [UInt8])] = []
        for name in names.sorted() where !overlayXattrPrefixes.contains(where: { name.hasPrefix($0) }) {
            let valueSize = sw_lgetxattr(cPath, name, nil, 0)
            guard valueSize >= 0 else {
                if errno == ENODATA { continue }
                throw SwrunError.system("layer writer: getxattr \(name) \"\(display(path))\"")
            }
            var value = [UInt8](repeating: 0, count: valueSize)
            let read = value.withUnsafeMutableBytes { sw_lgetxattr(cPath, name, $0.baseAddress, $0.count) }
            guard read >= 0 else { throw SwrunError.system("layer writer: getxattr \(name) \"\(display(path))\"") }
            result.append((name, Array(value[0..<read])))
        }
        return result
    }
}

/// glibc's `llistxattr(2)`, which the Glibc module does not export (it leaves out
/// <sys/xattr.h>); it has a plain C signature.
@_silgen_name("llistxattr")
private func llistxattr(_ path: UnsafePointer<CChar>, _ list: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int

extension LayerWriter {
    /// Whether `path` (not followed if a symlink) is an overlay whiteout: a 0/0 char device.
    public static func isWhiteout(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && TreeWalker.isWhiteout(st)
    }

    /// Whether `path` is an overlay opaque directory (`trusted.overlay.opaque=y`).
    public static func isOpaqueDirectory(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, TreeWalker.isType(st, S_IFDIR) else { return false }
        var value: UInt8 = 0
        return sw_lgetxattr(path, "trusted.overlay.opaque", &value, 1) == 1 && value == UInt8(ascii: "y")
    }
}
