import Glibc
import SwrunDigest
import SwrunDockerfile
import SwrunOCI
import SwrunOS

/// COPY/ADD sources: names and wildcards, as BuildKit resolves them in the context.
extension BuildContext {
    /// COPY/ADD sources (wildcards allowed) → files; errors in BuildKit's words:
    /// "failed to compute cache key: failed to calculate checksum of ref …: \"/x\": not found".
    /// Paths outside the context ("../x") resolve inside it, as BuildKit does.
    ///
    /// A wildcard matches per path component (Go's filepath.Match) and may match
    /// nothing, which BuildKit allows; matches come in lexical order. Ignored files are
    /// never found.
    public func resolve(_ sources: [String]) throws -> [ContextSource] {
        let tree = try ContextTree(root: root, ignore: ignore)
        var result: [ContextSource] = []
        for source in sources {
            let components = Self.clean(source)
            if components.contains(where: Self.containsWildcards) {
                result += try expand(components, in: tree)
                continue
            }
            guard let found = try tree.find(components) else { throw Self.notFound(components, root: root) }
            result.append(ContextSource(path: Self.display(components), isDirectory: found.isDirectory))
        }
        return result
    }

    /// The components of `path` made absolute in the context and cleaned lexically, as
    /// Go's filepath.Clean("/" + path): "..", "." and empty components gone.
    static func clean(_ path: String) -> [String] {
        var components: [String] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = components.popLast()
            } else {
                components.append(String(part))
            }
        }
        return components
    }

    static func display(_ components: [String]) -> String {
        components.isEmpty ? "." : components.joined(separator: "/")
    }

    /// Whether `component` holds an unescaped `*`, `?` or `[`.
    static func containsWildcards(_ component: String) -> Bool {
        var escaped = false
        for character in component {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "*" || character == "?" || character == "[" {
                return true
            }
        }
        return false
    }

    /// The entries matching the pattern `components`: the part before the first
    /// wildcard is looked up, then each further component matches names one level
    /// down. A symlink is matched by its own name.
    private func expand(_ components: [String], in tree: ContextTree) throws -> [ContextSource] {
        let fixedCount = components.firstIndex(where: Self.containsWildcards) ?? components.count
        let fixed = Array(components[..<fixedCount])
        guard let base = try tree.find(fixed), base.isDirectory else { return [] }
        var matches: [(shown: [String], real: [String])] = [(fixed, base.components)]
        for index in fixedCount..<components.count {
            let pattern = components[index]
            let isLast = index == components.count - 1
            var next: [(shown: [String], real: [String])] = []
            for (shown, real) in matches {
                guard let fd = try tree.openDirectory(real) else { continue }
                defer { if fd != tree.rootFD { close(fd) } }
                for raw in try ContextTree.names(fd, subject: real.joined(separator: "/")) {
                    let name = String(decoding: raw.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    // Go ignores a malformed pattern there: it matches nothing.
                    guard (try? PathMatch.matches(pattern, name)) == true else { continue }
                    next.append((shown + [name], real + [name]))
                }
            }
            // Deeper components go through directories only (symlinks followed).
            matches = []
            for (shown, real) in next {
                guard let found = try tree.find(real) else { continue }
                if !isLast && !found.isDirectory { continue }
                matches.append((shown, isLast ? real : found.components))
            }
        }
        return try matches.compactMap { shown, real in
            guard let found = try tree.find(real) else { return nil }
            return ContextSource(path: Self.display(shown), isDirectory: found.isDirectory)
        }
    }

    /// BuildKit's error for a source that is not in the context. `root` stands for
    /// BuildKit's id of the context's snapshot: stable for one context directory.
    static func notFound(_ components: [String], root: String) -> SwrunError {
        let hex = SwrunOCI.Digest.sha256(of: Array(root.utf8)).hex
        let reference = String(hex.prefix(25)) + "::" + String(hex.dropFirst(25).prefix(25))
        return SwrunError(.notFound, "failed to compute cache key: failed to calculate checksum of ref \(reference): \"/\(components.joined(separator: "/"))\": not found")
    }
}
