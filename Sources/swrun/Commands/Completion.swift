import ArgumentParser

/// `swrun completion bash|zsh|fish`: the shell's completion script for every command
/// and flag, as argument-parser generates it from the command tree.
struct Completion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print the shell completion script: bash, zsh or fish.")

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: String

    func run() throws {
        guard let kind = CompletionShell(rawValue: shell) else {
            throw ValidationError("unsupported shell \"\(shell)\": use bash, zsh or fish")
        }
        print(Swrun.completionScript(for: kind))
    }
}
