/// The error SwrunOCI throws: a malformed reference, digest, change line or document.
///
/// SwrunOCI sits beside SwrunOS rather than above it, so it cannot throw
/// `SwrunError`; its codes carry the same names so a caller maps them one to one.
public struct OCIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is; the names match `SwrunError.Code`.
    public enum Code: Sendable, Equatable {
        /// The input is malformed (reference, digest, `--change` line).
        case invalidArgument
        /// A stored document failed to decode or verify.
        case corrupt
        /// The input asks for something swrun does not do.
        case unsupported
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
