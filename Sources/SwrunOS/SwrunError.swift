#if canImport(Glibc)
import Glibc
#endif

/// The one error type swrun's libraries throw. Every error reads as one line that
/// names what failed ("pivot_root: Invalid argument", "image not found: foo").
public struct SwrunError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. A struct over a private enum so new codes can be
    /// added without breaking callers that switch on known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidArgument, notFound, alreadyExists, conflict, corrupt, system, unsupported, internalError
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The user gave something malformed (a flag value, a reference, a file).
        public static let invalidArgument = Code(.invalidArgument)
        /// A named thing (image, container, file) does not exist.
        public static let notFound = Code(.notFound)
        /// A name is already taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// The operation conflicts with the current state (image in use, container running).
        public static let conflict = Code(.conflict)
        /// Data failed verification (digest mismatch, truncated archive).
        public static let corrupt = Code(.corrupt)
        /// A system call failed; `errno` says how.
        public static let system = Code(.system)
        /// The host or the input asks for something swrun does not do.
        public static let unsupported = Code(.unsupported)
        /// A bug in swrun.
        public static let internalError = Code(.internalError)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let message: String
    /// The errno of a failed system call, when there was one.
    public let errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// A failed system call: "step: strerror(errno)".
    public static func system(_ step: String, errno err: Int32 = Glibc.errno) -> SwrunError {
        if err == ENOSYS {
            // A call this kernel lacks (openat2, pidfd_*, clone3…): say which release is needed.
            return SwrunError(.unsupported, "\(step): the kernel lacks this system call (swrun needs Linux \(minimumKernel) or later)", errno: err)
        }
        return SwrunError(.system, "\(step): \(String(cString: strerror(err)))", errno: err)
    }

    /// The oldest Linux release swrun runs on.
    public static let minimumKernel = "5.10"

    public var description: String { message }
}
