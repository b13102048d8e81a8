#if canImport(Glibc)
import Glibc
#endif

/// The one error type swrun's libraries throw. Every error reads as one line that
/// names what failed ("pivot_root: Invalid argument", "image not found: foo"); an
/// error that translates another keeps it as its `cause`, so the user's line gains the
/// cause's words and `--log-level debug` can show the whole chain.
public struct SwrunError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is. A struct over a private enum so new codes can be
    /// added without breaking callers that switch on known ones.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidArgument, notFound, alreadyExists, conflict, corrupt, system, unsupported, internalError
            case commandNotFound, commandNotExecutable
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
        /// The container's command does not exist (docker exits 127).
        public static let commandNotFound = Code(.commandNotFound)
        /// The container's command exists but cannot be executed (docker exits 126).
        public static let commandNotExecutable = Code(.commandNotExecutable)

        public var description: String { "\(value)" }
    }

    public let code: Code
    /// What the thrower was doing, without the cause ("pull localhost:5000/a").
    public let context: String
    /// The errno of a failed system call, when there was one.
    public let errno: Int32?
    /// The failure this one translates, when there was one.
    public let cause: (any Error)?

    public init(_ code: Code, _ message: String, errno: Int32? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.context = message
        self.errno = errno
        self.cause = cause
    }

    /// The failure as `cause` with this error's code and no words of its own.
    public init(_ code: Code, translating cause: any Error) {
        self.init(code, "", cause: cause)
    }

    /// The one line for the user: the context, then each cause's words.
    public var message: String {
        guard let cause else { return context }
        let words = SwrunError.oneLine(cause)
        return context.isEmpty ? words : context + ": " + words
    }

    public var description: String { message }

    /// Two errors are the same failure when they say the same thing with the same code.
    public static func == (lhs: SwrunError, rhs: SwrunError) -> Bool {
        lhs.code == rhs.code && lhs.errno == rhs.errno && lhs.message == rhs.message
    }

    /// Every link from this error down to its root cause, one line each with its type
    /// and code: what `--log-level debug` prints after the user's line.
    public var chain: [String] {
        var lines: [String] = []
        var next: (any Error)? = self
        while let error = next {
            if let swrun = error as? SwrunError {
                let errno = swrun.errno.map { " errno \($0)" } ?? ""
                lines.append("SwrunError(\(swrun.code)\(errno)): \(swrun.context)")
                next = swrun.cause
            } else {
                lines.append("\(type(of: error)): \(SwrunError.oneLine(error))")
                next = nil
            }
        }
        return lines
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
}
