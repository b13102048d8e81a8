import Glibc

/// One line of `docker diff`: a path in a container's filesystem that was added (A),
/// changed (C) or deleted (D) relative to its image.
public struct FilesystemChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case added = "A", changed = "C", deleted = "D"
    }

    public let kind: Kind
    /// Absolute path inside the container, e.g. `/etc/passwd`.
    public let path: String

    /// A change of `kind` at the absolute path `path`.
    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// What the upper dir changes in the lower layers (`docker diff`).
extension OverlayView {
    /// Every entry of the upper dir as an addition, or a change when the lower layers
    /// show that path (so copied-up parent dirs show as C); whiteouts as deletions, and
    /// for an opaque dir over a lower one, the lower entries it hides as deletions.
    /// Sorted by path. `exclude` names paths (`etc/hosts`) left out when they are
    /// empty regular files: the runtime's bind-mount placeholders.
    public func changes(exclude: [String] = []) throws -> [FilesystemChange] {
        var result: [FilesystemChange] = []
        try collectChanges(in: [], lower: root(from: 1), exclude: Set(exclude), into: &result)
        return result.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// The changes under the upper dir's directory `path`; `lower` is that directory in
    /// the lower layers' merge, nil when they have no directory there.
    private func collectChanges(in path: [String], lower: Node?, exclude: Set<String>, into result: inout [FilesystemChange]) throws {
        for name in try names(inLayer: 0, path) {
            let components = path + [name]
            // Gone since the directory was read.
            guard let info = lstatIn(0, components) else { continue }
            let display = "/" + components.joined(separator: "/")
            let type = info.st_mode & S_IFMT
            if type == S_IFREG, info.st_size == 0, exclude.contains(components.joined(separator: "/")) { continue }
            if OverlayMarkers.isWhiteout(info) {
                result.append(.init(kind: .deleted, path: display))
                continue
            }
            let below = try lower.flatMap { try child(name, of: $0) }
            result.append(.init(kind: below == nil ? .added : .changed, path: display))
            guard type == S_IFDIR else { continue }
            if let below, below.isDirectory, try isOpaque(0, components) {
                let kept = Set(try names(inLayer: 0, components))
                for hidden in try list(below) where !kept.contains(hidden.path.last ?? "") {
                    result.append(.init(kind: .deleted, path: hidden.display))
                }
            }
            try collectChanges(in: components, lower: below?.isDirectory == true ? below : nil, exclude: exclude, into: &result)
        }
    }
}
