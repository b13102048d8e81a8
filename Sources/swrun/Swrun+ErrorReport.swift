import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

extension Swrun {
    /// Whether the command's logger was made at debug level or below: a failure then
    /// prints its whole chain of causes after the user's line (a leading
    /// `--log-level debug` asks for it too, before any logger exists).
    nonisolated(unsafe) static var reportsErrorChain = false

    /// Ends swrun for `error` with docker's exit codes: the container's or the
    /// command's own code where one was decided, 127/126 when the container's
    /// command could not be found/executed, 125 for swrun's own errors (bad flags
    /// included). The message is one line on stderr (help goes to stdout, exit 0).
    static func exit(reporting error: any Error) -> Never {
        switch error {
        case let code as ExitCode:
            Foundation.exit(code.rawValue)
        case let failure as CommandFailure:
            fail(failure.message, chainOf: failure.cause, status: failure.exitCode)
        case let error as SwrunError:
            fail(error.message, chainOf: error, status: SwrunError.exitStatus(for: error))
        default:
            // argument-parser's own errors, help and version requests.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            fail(fullMessage(for: error), chainOf: nil, status: 125)
        }
    }

    private static func fail(_ line: String, chainOf error: SwrunError?, status: Int32) -> Never {
        var text = "swrun: \(line)\n"
        let leadingLevel = GlobalOptions.leading["log-level"]?.lowercased()
        if reportsErrorChain || leadingLevel == "debug" || leadingLevel == "trace", let error {
            for link in error.chain { text += "swrun: debug: caused by \(link)\n" }
        }
        FileHandle.standardError.write(Data(text.utf8))
        Foundation.exit(status)
    }
}

/// An error that ends swrun with a specific exit code after printing its message.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32
    /// The library error behind it, for the debug chain.
    var cause: SwrunError? = nil
    var description: String { message }
}
