import Foundation

// `swrun --version` alone is answered before argument-parser builds its command
// tree, which costs more than the rest of the process start.
if CommandLine.arguments.count == 2, ["--version", "-v"].contains(CommandLine.arguments[1]) {
    print(Swrun.versionLine)
    exit(0)
}

do {
    let arguments = CommandLineShorthand.expanding(try GlobalOptions.extractLeading(Array(CommandLine.arguments.dropFirst())))
    // `run` and `exec` first: the unknown-command check builds every subcommand's
    // configuration, ~0.5 ms that a known command never needs.
    if let hot = Swrun.hotCommand(arguments) {
        try hot()
    } else {
        if let unknown = CommandLineShorthand.unknownCommand(arguments, of: Swrun.self) {
            FileHandle.standardError.write(Data("swrun: '\(unknown)' is not a swrun command. See 'swrun --help'\n".utf8))
            exit(1)
        }
        var command = try Swrun.parseAsRoot(CommandLineShorthand.normalizingBareFlags(arguments))
        try command.run()
    }
} catch {
    Swrun.exit(reporting: error)
}
