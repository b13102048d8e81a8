import SwrunRuntime

extension ExecRequest {
    /// Reads the common `swrun exec` lines without argument-parser, whose set-up is
    /// about half of exec's client time (~2 ms of ~4 here): `-d`, `-i`, `-t` (also
    /// together, `-it`), `-e`, `-u`, `-w`, `--privileged` and their long names (`--env X`,
    /// `--env=X`), then the container and the command. Anything else (help, `--env-file`,
    /// `--detach-keys`, global options after `exec`, `--`, values that start with a dash,
    /// unknown flags) gives nil, and argument-parser reads the line as always.
    /// `ExecParseTests` checks that both readings agree.
    static func parseCommon(_ arguments: [String]) -> ExecRequest? {
        var options = ExecOptions()
        var detach = false
        var index = 0
        // The value of the option at `index`: inline, or the next argument.
        func value(inline: Substring?) -> String? {
            if let inline { return inline.isEmpty ? nil : String(inline) }
            index += 1
            guard index < arguments.count, !arguments[index].isEmpty, !arguments[index].hasPrefix("-") else { return nil }
            return arguments[index]
        }
        func set(_ name: String, _ text: String) {
            switch name {
            case "env": options.env.append(text)
            case "user": options.user = text
            default: options.workdir = text
            }
        }
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-") else {
                let command = Array(arguments[(index + 1)...])
                guard !argument.isEmpty, !command.contains("--") else { return nil }
                options.command = command
                return ExecRequest(global: .none, container: argument, options: options, detach: detach,
                                   detachKeys: AttachOptions.defaultDetachKeys)
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let equals = body.firstIndex(of: "=")
                let name = String(body[..<(equals ?? body.endIndex)])
                let inline = equals.map { body[body.index(after: $0)...] }
                switch name {
                case "detach", "interactive", "tty", "privileged":
                    guard inline == nil else { return nil }
                    switch name {
                    case "detach": detach = true
                    case "interactive": options.interactive = true
                    case "tty": options.tty = true
                    default: options.privileged = true
                    }
                case "env", "user", "workdir":
                    guard let text = value(inline: inline) else { return nil }
                    set(name, text)
                default:
                    return nil
                }
            } else {
                let letters = Array(argument.dropFirst())
                guard !letters.isEmpty else { return nil }
                for (position, letter) in letters.enumerated() {
                    switch letter {
                    case "d": detach = true
                    case "i": options.interactive = true
                    case "t": options.tty = true
                    case "e", "u", "w":
                        // A value-taking letter ends the group; its value is the next argument.
                        guard position == letters.count - 1, let text = value(inline: nil) else { return nil }
                        set(letter == "e" ? "env" : letter == "u" ? "user" : "workdir", text)
                    default:
                        return nil
                    }
                }
            }
            index += 1
        }
        return nil
    }
}
