import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

/// `swrun container COMMAND`: docker's management group; each subcommand is the
/// top-level command of the same name.
struct ContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "Manage containers.",
        subcommands: [ContainerList.self, Rm.self, Exec.self, ContainerPrune.self, Stop.self, Restart.self, Kill.self, Start.self, Wait.self, Logs.self,
                      ContainerInspect.self, Pause.self, Unpause.self, Rename.self, Top.self, Run.self, Create.self,
                      Stats.self, Update.self, Attach.self]
    )
}

/// How the container commands report failures: like docker's client, which prints the
/// daemon's error and exits 1 (125 stays for swrun's own errors, bad flags included).
enum ContainerErrors {
    /// Runs `body` once per reference; a failure is printed and the rest still run,
    /// and the command then exits 1, as `docker stop a b c`.
    static func forEach(_ references: [String], _ body: (String) throws -> Void) throws {
        var failed = false
        for reference in references {
            do {
                try body(reference)
            } catch let error as SwrunError {
                FileHandle.standardError.write(Data("swrun: \(error.message)\n".utf8))
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// Runs `body`; a `SwrunError` ends the command with exit 1.
    static func exitingOne<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SwrunError {
            throw CommandFailure(message: error.message, exitCode: 1, cause: error)
        }
    }
}
