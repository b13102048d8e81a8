import SwrunOS

/// `.dockerignore` (moby/patternmatcher): Go filepath.Match segments, `**`, `!` exceptions,
/// last match wins, patterns cleaned and leading "/" dropped.
public struct IgnorePatterns: Sendable {
    public init(parsing text: String) throws {
    }

    public var isEmpty: Bool { true }

    /// Whether `path` (relative to the context, "/"-separated, no leading "/") is excluded.
    public func excludes(_ path: String) -> Bool { false }

    /// Whether some exception might re-include something under the excluded directory `path`
    /// (so the walk must still descend into it).
    public func hasExceptions(under path: String) -> Bool { false }
}
