import ArgumentParser
import Foundation
import Testing
@testable import swrun

/// `swrun completion bash|zsh|fish` is generated from the command tree: every command
/// registered there (volume's included) must be offered by each script.
@Suite struct CompletionTests {
    /// The paths of every shown subcommand under `command` (["volume", "create"]).
    static func paths(under command: ParsableCommand.Type, prefix: [String] = []) -> [[String]] {
        command.configuration.subcommands.filter { $0.configuration.shouldDisplay }.flatMap { sub -> [[String]] in
            let path = prefix + [sub.configuration.commandName ?? String(describing: sub).lowercased()]
            return [path] + paths(under: sub, prefix: path)
        }
    }

    @Test func theTreeHasTheVolumeCommands() {
        let all = Set(Self.paths(under: Swrun.self).map { $0.joined(separator: " ") })
        for name in ["volume create", "volume ls", "volume inspect", "volume rm", "volume prune", "system prune", "completion"] {
            #expect(all.contains(name), "\(name) is not registered")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func everyRegisteredCommandIsInTheScript(shell: String) throws {
        let script = Swrun.completionScript(for: try #require(CompletionShell(rawValue: shell)))
        for path in Self.paths(under: Swrun.self) {
            let expected: String
            switch shell {
            case "fish":
                // Offered as a positional word after its parent's path.
                expected = "\"" + (["swrun"] + path.dropLast()).joined(separator: " ") + "\" -eq 1' -fa '" + path.last! + "'"
            default:
                // A completion function per command path.
                expected = "_swrun_" + path.joined(separator: "_").replacingOccurrences(of: "-", with: "_") + "()"
            }
            #expect(script.contains(expected), "\(shell): no \(path.joined(separator: " ")) (looked for \(expected))")
        }
    }
}
