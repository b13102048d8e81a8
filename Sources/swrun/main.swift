import ArgumentParser
import Foundation
import SwrunOCI
import SwrunOS

// `swrun --version` alone is answered before argument-parser builds its command
// tree, which costs more than the rest of the process start.
if CommandLine.arguments.count == 2, ["--version", "-v"].contains(CommandLine.arguments[1]) {
    print(Swrun.versionLine)
    exit(0)
}

// Exit codes as docker's: 125 for swrun's own errors (bad flags included), else what
// the command decided (a container's code, 126, 127).
do {
    let arguments = try GlobalOptions.extractLeading(Array(CommandLine.arguments.dropFirst()))
    if let hot = Swrun.hotCommand(arguments) {
        try hot()
    } else {
        var command = try Swrun.parseAsRoot(Commit.normalizingBareFlags(arguments))
        try command.run()
    }
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
