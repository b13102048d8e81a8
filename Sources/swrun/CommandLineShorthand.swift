import ArgumentParser

/// What the first word after swrun's global options means, before argument-parser
/// reads the line: the design card's `swrun -it --rm IMAGE …` is `run`, and a word
/// that names no command is refused in docker's words.
enum CommandLineShorthand {
    /// Options of swrun itself that may come first; any other leading option starts a
    /// `run` line.
    static let ownOptions: Set<String> = ["-h", "--help", "--version", "-v", "--generate-completion-script"]

    /// `arguments` (global options already taken off) with `run` put in front when the
    /// line starts with an option that is not swrun's own.
    static func expanding(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"), first != "-", first != "--" else { return arguments }
        let name = String(first.split(separator: "=", maxSplits: 1)[0])
        return ownOptions.contains(name) ? arguments : ["run"] + arguments
    }

    /// The unknown command in `arguments`, if the first word names none of swrun's
    /// commands (or their aliases, or argument-parser's `help`).
    static func unknownCommand(_ arguments: [String], of root: any ParsableCommand.Type) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        var names: Set<String> = ["help"]
        for command in root.configuration.subcommands {
            names.insert(command._commandName)
            names.formUnion(command.configuration.aliases)
        }
        return names.contains(first) ? nil : first
    }

    /// docker's bool flags that may also take a value (`--pause`, `--pause=false`), by
    /// command: argument-parser cannot take a bare flag on an option that accepts `=value`.
    static let bareBoolFlags: [String: String] = ["commit": "--pause", "attach": "--sig-proxy"]

    /// `commit … --pause …` → `commit … --pause=true …`, and the same for the other
    /// bare bool flags (`container commit`, `container attach` too).
    static func normalizingBareFlags(_ arguments: [String]) -> [String] {
        let command = arguments.first == "container" ? arguments.dropFirst().first : arguments.first
        guard let command, let flag = bareBoolFlags[command] else { return arguments }
        var result: [String] = []
        var afterTerminator = false
        for argument in arguments {
            if argument == "--" { afterTerminator = true }
            result.append(!afterTerminator && argument == flag ? flag + "=true" : argument)
        }
        return result
    }
}
