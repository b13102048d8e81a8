import Glibc
import SwrunOS

/// A tar entry name (or hardlink target), checked and split for extraction.
///
/// Names are kept as raw bytes: Linux file names need not be UTF-8, and a lossy
/// conversion would extract a different name than the layer holds.
///
/// Absolute names are rejected rather than made relative: layer producers (docker,
/// buildkit, umoci, containerd) never write them, so one in a layer is either a broken
/// producer or an attack. Any `..` component is rejected for the same reason. Empty and
/// `.` components are dropped, so `./usr//bin/` is `usr/bin`.
struct EntryPath {
    /// The name as the archive gave it, for error messages.
    let display: String
    /// Non-empty components, none of them `.` or `..`; empty for the root itself.
    let components: [[CChar]]

    private static let slash = CChar(UInt8(ascii: "/"))
    private static let dot = CChar(UInt8(ascii: "."))

    init(_ raw: UnsafePointer<CChar>, role: String) throws {
        let bytes = UnsafeBufferPointer(start: raw, count: strlen(raw))
        let display = String(decoding: UnsafeRawBufferPointer(bytes), as: UTF8.self)
        self.display = display
        guard !bytes.isEmpty else {
            throw SwrunError(.corrupt, "layer tar: \(role) has an empty name")
        }
        guard bytes[0] != Self.slash else {
            throw SwrunError(.corrupt, "layer tar: \(role) \"\(display)\" is an absolute path")
        }
        var components: [[CChar]] = []
        for part in bytes.split(separator: Self.slash, omittingEmptySubsequences: true) {
            if part.count == 1 && part[part.startIndex] == Self.dot { continue }
            if part.count == 2 && part.allSatisfy({ $0 == Self.dot }) {
                throw SwrunError(.corrupt, "layer tar: \(role) \"\(display)\" has a \"..\" component")
            }
            components.append(Array(part))
        }
        self.components = components
    }

    var isRoot: Bool { components.isEmpty }

    /// The last component, NUL-terminated, for the *at() calls. Not for the root.
    var name: [CChar] { components[components.count - 1] + [0] }

    /// The parent's components (empty when the parent is the root).
    var parentComponents: ArraySlice<[CChar]> { components.dropLast() }

    /// The whole path relative to the root, NUL-terminated ("." for the root).
    var relative: [CChar] { Self.join(components[...]) }

    /// The parent's path relative to the root, NUL-terminated ("." for the root).
    var parent: [CChar] { Self.join(parentComponents) }

    static func join(_ parts: ArraySlice<[CChar]>) -> [CChar] {
        guard !parts.isEmpty else { return [dot, 0] }
        var path: [CChar] = []
        for part in parts {
            if !path.isEmpty { path.append(slash) }
            path.append(contentsOf: part)
        }
        path.append(0)
        return path
    }

    /// A NUL-terminated path as text for messages (invalid UTF-8 repaired).
    static func display(_ path: [CChar]) -> String {
        String(decoding: path.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The last component's bytes, to test for whiteout prefixes.
    var lastComponent: [CChar] { components.last ?? [] }
}
