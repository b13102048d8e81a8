import ArgumentParser
import Foundation
import SwrunOCI
import SwrunOS

// Exit codes as docker's: 125 for swrun's own errors (bad flags included), else what
// the command decided (a container's code, 126, 127).
do {
    let arguments = try GlobalOptions.extractLeading(Array(CommandLine.arguments.dropFirst()))
    var command = try Swrun.parseAsRoot(Commit.normalizingBareFlags(arguments))
    try command.run()
} catch let error as SwrunError {
    FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
    exit(125)
} catch let error as OCIError {
    FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
    exit(125)
} catch let error as ExitCode {
    exit(error.rawValue)
} catch let failure as CommandFailure {
    FileHandle.standardError.write(Data("swrun: \(failure.message)\n".utf8))
    exit(failure.exitCode)
} catch {
    let code = Swrun.exitCode(for: error)
    if code == .success {
        print(Swrun.fullMessage(for: error))
        exit(0)
    }
    FileHandle.standardError.write(Data("swrun: \(Swrun.fullMessage(for: error))\n".utf8))
    exit(125)
}
