/// JSON text that does not parse: where the reader stopped and why, in one line
/// (`parse JSON at offset 3: expected ':'`).
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset, from the start of the text, at which reading failed.
    public let offset: Int
    /// What was wrong there.
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "parse JSON at offset \(offset): \(reason)" }
}
