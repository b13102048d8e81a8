import Glibc

/// overlayfs's on-disk markers, as an upper dir holds them and unpacked layer dirs
/// store them: the one definition that the overlay view, the layer writer and the
/// extractor share.
public enum OverlayMarkers {
    /// The xattr that marks a directory opaque, in the form extraction writes.
    public static let opaqueXattr = "trusted.overlay.opaque"
    /// Both forms overlay reads: `trusted.*`, and `user.*` (userxattr mounts).
    static let opaqueXattrs = [opaqueXattr, "user.overlay.opaque"]
    /// The namespaces of overlay's own bookkeeping, never part of a layer.
    static let xattrPrefixes = ["trusted.overlay.", "user.overlay."]

    /// Whether `info` is a whiteout: a character device 0/0 hides the same name in
    /// the layers below.
    public static func isWhiteout(_ info: stat) -> Bool {
        (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == 0
    }

    /// Whether the directory open at `fd` (for reading, not O_PATH) is opaque: it hides
    /// what the layers below have under its name (`trusted.overlay.opaque=y`, or
    /// `user.overlay.opaque=y`). `scope` and `subject` name it in errors.
    public static func isOpaque(directory fd: Int32, scope: String = "", subject: @autoclosure () -> String) throws -> Bool {
        for name in opaqueXattrs {
            let value = try ExtendedAttributes.value(name, fd: fd, limit: 8, scope: scope, subject: subject())
            if value == [UInt8(ascii: "y")] { return true }
        }
        return false
    }

    /// Whether the xattr `name` is overlay's own bookkeeping.
    static func isOverlayXattr(_ name: String) -> Bool {
        xattrPrefixes.contains { name.hasPrefix($0) }
    }
}
