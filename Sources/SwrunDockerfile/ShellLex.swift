import SwrunOS

/// BuildKit's shell lexer (frontend/dockerfile/shell): `$V`, `${V}`, `${V:-x}`, `${V-x}`,
/// `${V:+x}`, `${V+x}`, `${V:?msg}`, `${V#p}`, `${V%p}`…, quotes and escapes.
public struct ShellLex: Sendable {
    public let escape: Character

    public init(escape: Character = "\\") {
        self.escape = escape
    }

    /// The word with variables substituted and quotes removed, as one string.
    public func processWord(_ word: String, _ variables: [String: String]) throws -> String {
        throw SwrunError(.unsupported, "ShellLex: not implemented yet")
    }

    /// The word split into words on unquoted whitespace, variables substituted.
    public func processWords(_ word: String, _ variables: [String: String]) throws -> [String] {
        throw SwrunError(.unsupported, "ShellLex: not implemented yet")
    }
}
