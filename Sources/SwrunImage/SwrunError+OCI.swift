import SwrunOCI
import SwrunOS

extension SwrunError {
    /// The same failure as a `SwrunError` with the matching code.
    init(_ error: OCIError) {
        switch error.code {
        case .invalidArgument: self.init(.invalidArgument, error.message)
        case .corrupt: self.init(.corrupt, error.message)
        case .unsupported: self.init(.unsupported, error.message)
        }
    }
}

/// Runs `body`, turning an `OCIError` it throws into the matching `SwrunError`.
func translatingOCIErrors<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch let error as OCIError {
        throw SwrunError(error)
    }
}
