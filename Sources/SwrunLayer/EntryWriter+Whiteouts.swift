import CSwrun
import Glibc
import SwrunOS

/// OCI whiteouts as overlayfs whiteouts.
extension EntryWriter {
    private static let prefix = Array(".wh.".utf8).map { CChar(bitPattern: $0) }
    private static let opaqueMarker = Array(".wh..wh..opq".utf8).map { CChar(bitPattern: $0) }
    private static let metadataPrefix = Array(".wh..wh.".utf8).map { CChar(bitPattern: $0) }

    /// Handles `path` if it is a whiteout and returns true; entries named `.wh.*` are
    /// never written as themselves.
    /// - `dir/.wh..wh..opq`: `dir` gets `trusted.overlay.opaque=y`.
    /// - other `dir/.wh..wh.*` (aufs bookkeeping such as `.wh..wh.plnk`): skipped.
    /// - `dir/.wh.NAME`: whatever is at `dir/NAME` is removed and a 0/0 char device
    ///   takes its place.
    func writeWhiteout(_ path: EntryPath) throws -> Bool {
        let last = path.lastComponent
        guard last.starts(with: Self.prefix) else { return false }
        if last == Self.opaqueMarker {
            let dir = try root.parentFD(of: path)
            let procPath = "/proc/self/fd/\(dir)"
            // setxattr, not lsetxattr: the magic link is followed to the directory.
            guard sw_setxattr(procPath, OverlayMarkers.opaqueXattr, "y", 1) == 0 else {
                throw SwrunError.system("layer tar: mark \"\(path.display)\" opaque (\(OverlayMarkers.opaqueXattr))")
            }
            return true
        }
        if last.starts(with: Self.metadataPrefix) { return true }
        let hidden = Array(last.dropFirst(Self.prefix.count))
        guard !hidden.isEmpty, hidden != [46], hidden != [46, 46] else {
            throw SwrunError(.corrupt, "layer tar: whiteout \"\(path.display)\" names no file")
        }
        let parent = try root.parentFD(of: path)
        let name = hidden + [0]
        if mknodat(parent, name, S_IFCHR, 0) == 0 { return true }
        guard errno == EEXIST else { throw SwrunError.system("layer tar: create whiteout \"\(path.display)\"") }
        try root.removeTree(parent, name, for: path)
        guard mknodat(parent, name, S_IFCHR, 0) == 0 else {
            throw SwrunError.system("layer tar: create whiteout \"\(path.display)\"")
        }
        return true
    }
}
