/// A quick reader for the common command lines of the start path (`run`, `exec`), so
/// that they need no argument-parser, whose set-up is most of their client's time.
/// It knows a fixed set of flags (no value) and options (one value each), short letters
/// grouped as docker allows (`-it`, `-ie X`), long names as `--name value` or
/// `--name=value`, and ends at the first argument that is not an option: the image or
/// container, then the command. Anything else (help, unknown names, `--`, a value that
/// starts with a dash or is empty, `--flag=value` on a flag) gives nil, and
/// argument-parser reads the line as always; the tests check that both readings agree.
struct CommonLine {
    /// Long names without value, with their short letter if any.
    var flags: [String: Character?]
    /// Long names with one value, with their short letter if any.
    var options: [String: Character?]

    /// The long names seen, in order, with their values (nil for flags); the operand;
    /// and the arguments after it.
    struct Reading {
        var given: [(name: String, value: String?)] = []
        var operand = ""
        var rest: [String] = []
    }

    func read(_ arguments: [String]) -> Reading? {
        var reading = Reading()
        var index = 0
        func value(inline: Substring?) -> String? {
            if let inline { return inline.isEmpty ? nil : String(inline) }
            index += 1
            guard index < arguments.count, !arguments[index].isEmpty, !arguments[index].hasPrefix("-") else { return nil }
            return arguments[index]
        }
        func longName(_ letter: Character) -> (name: String, takesValue: Bool)? {
            if let name = flags.first(where: { $0.value == letter })?.key { return (name, false) }
            if let name = options.first(where: { $0.value == letter })?.key { return (name, true) }
            return nil
        }
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-") else {
                let rest = Array(arguments[(index + 1)...])
                guard !argument.isEmpty, !rest.contains("--") else { return nil }
                reading.operand = argument
                reading.rest = rest
                return reading
            }
            if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let equals = body.firstIndex(of: "=")
                let name = String(body[..<(equals ?? body.endIndex)])
                let inline = equals.map { body[body.index(after: $0)...] }
                if flags[name] != nil {
                    guard inline == nil else { return nil }
                    reading.given.append((name, nil))
                } else if options[name] != nil {
                    guard let text = value(inline: inline) else { return nil }
                    reading.given.append((name, text))
                } else {
                    return nil
                }
            } else {
                let letters = Array(argument.dropFirst())
                guard !letters.isEmpty else { return nil }
                for (position, letter) in letters.enumerated() {
                    guard let (name, takesValue) = longName(letter) else { return nil }
                    if takesValue {
                        // A letter with a value ends the group; the value is the next argument.
                        guard position == letters.count - 1, let text = value(inline: nil) else { return nil }
                        reading.given.append((name, text))
                    } else {
                        reading.given.append((name, nil))
                    }
                }
            }
            index += 1
        }
        return nil
    }
}
