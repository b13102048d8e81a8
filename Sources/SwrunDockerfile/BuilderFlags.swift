/// An instruction's `--flags` checked against the ones it takes (BuildKit's BFlags).
struct BuilderFlags {
    enum Kind { case bool, string, strings }

    private(set) var values: [String: String] = [:]
    private(set) var lists: [String: [String]] = [:]
    private(set) var used: Set<String> = []

    /// Parses `arguments` (each `--name[=value]`) for an instruction taking `accepted`.
    init(_ arguments: [String], accepting accepted: [String: Kind]) throws {
        for argument in arguments {
            // A bare "--" ends the flags.
            if argument == "--" { return }
            guard argument.hasPrefix("--") else { throw ParseFailure("arg should start with -- : \(argument)") }
            let flagName: String
            let value: String?
            if let equals = argument.firstIndex(of: "=") {
                flagName = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            } else {
                flagName = argument
                value = nil
            }
            let name = String(flagName.dropFirst(2))
            guard let kind = accepted[name] else {
                throw ParseFailure(Suggest.wrap("unknown flag: \(flagName)", value: name, options: accepted.keys.sorted(), caseSensitive: true))
            }
            if used.contains(name) && kind != .strings { throw ParseFailure("duplicate flag specified: \(flagName)") }
            used.insert(name)
            switch kind {
            case .bool:
                if value == "" { throw ParseFailure("missing a value on flag: \(flagName)") }
                switch value?.lowercased() {
                case .none, .some("true"): values[name] = "true"
                case .some("false"): values[name] = "false"
                default: throw ParseFailure("expecting boolean value for flag \(flagName), not: \(value!)")
                }
            case .string:
                guard let value else { throw ParseFailure("missing a value on flag: \(flagName)") }
                values[name] = value
            case .strings:
                guard let value else { throw ParseFailure("missing a value on flag: \(flagName)") }
                lists[name, default: []].append(value)
            }
        }
    }

    func string(_ name: String) -> String? { values[name] }
    func bool(_ name: String) -> Bool { values[name] == "true" }
    func strings(_ name: String) -> [String] { lists[name] ?? [] }
}

/// A parse failure in BuildKit's words; the parser adds the line.
struct ParseFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// BuildKit's "(did you mean …?)" hints: the closest option within an edit distance of 2.
enum Suggest {
    static func wrap(_ message: String, value: String, options: [String], caseSensitive: Bool) -> String {
        guard let match = search(value, options: options, caseSensitive: caseSensitive) else { return message }
        return message + " (did you mean \(match)?)"
    }

    static func search(_ value: String, options: [String], caseSensitive: Bool) -> String? {
        let wanted = caseSensitive ? value : value.lowercased()
        var match: String?
        var best = 3
        for option in options {
            let candidate = caseSensitive ? option : option.lowercased()
            // An exact match means the value was not the problem.
            if candidate == wanted { return nil }
            let distance = levenshtein(Array(wanted.unicodeScalars), Array(candidate.unicodeScalars))
            if distance < best {
                best = distance
                match = caseSensitive ? candidate : matchCase(candidate, like: value)
            }
        }
        return match
    }

    static func matchCase(_ value: String, like original: String) -> String {
        if original == original.lowercased() { return value.lowercased() }
        if original == original.uppercased() { return value.uppercased() }
        return value
    }

    static func levenshtein(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
