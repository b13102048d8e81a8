import GoTemplate

/// One logical line of a Dockerfile split as BuildKit's parser splits it, before the
/// instruction's own rules are applied.
struct DockerfileNode {
    /// The instruction word as written.
    var command: String
    var flags: [String]
    /// The arguments: words, key/value/separator triples (ENV, LABEL), JSON strings…
    var arguments: [String]
    var json: Bool
    /// The logical line, continuations joined.
    var original: String
    /// ONBUILD: the trigger's node.
    var trigger: [DockerfileNode] = []
    /// Heredoc bodies as read (not chomped).
    var heredocs: [Heredoc] = []
    var line: Int = 0

    /// RUN, COPY and ADD in shell form (also as an ONBUILD trigger) may open heredocs.
    var canContainHeredoc: Bool {
        let node = command.lowercased() == "onbuild" ? (trigger.first ?? self) : self
        return ["add", "copy", "run"].contains(node.command.lowercased()) && !node.json
    }

    /// Splits `line` into command, flags and arguments with the rules of its instruction.
    init(line text: String, escape: Unicode.Scalar) throws {
        let (command, flags, rest) = LineSplitting.splitCommand(text, escape: escape)
        self.command = command
        self.flags = flags
        self.original = text
        self.arguments = []
        self.json = false
        switch command.lowercased() {
        case "add", "copy", "volume":
            try setMaybeJSON(rest, orWords: true)
        case "cmd", "entrypoint", "run", "shell":
            try setMaybeJSON(rest, orWords: false)
        case "arg":
            arguments = LineSplitting.parseWords(rest, escape: escape)
        case "env":
            arguments = try Self.nameValues(rest, instruction: "ENV", escape: escape)
        case "label":
            arguments = try Self.nameValues(rest, instruction: "LABEL", escape: escape)
        case "expose", "from":
            arguments = LineSplitting.splitOnBlanks(rest)
        case "healthcheck":
            // The type word (CMD or NONE), then the command as CMD reads it.
            let scalars = rest.unicodeScalars
            let typeEnd = scalars.firstIndex { $0.properties.isWhitespace } ?? scalars.endIndex
            guard typeEnd != scalars.startIndex else { return }
            let commandStart = scalars[typeEnd...].firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
            try setMaybeJSON(String(scalars[commandStart...]), orWords: false)
            arguments.insert(String(scalars[..<typeEnd]), at: 0)
        case "maintainer", "stopsignal", "user", "workdir":
            arguments = rest.isEmpty ? [] : [rest]
        case "onbuild":
            guard !rest.isEmpty else { return }
            let child = try DockerfileNode(line: rest, escape: escape)
            trigger = [child]
            arguments = [child.command] + child.arguments
        default:
            // Unknown instructions are reported when the instructions are read.
            break
        }
    }

    private mutating func setMaybeJSON(_ rest: String, orWords: Bool) throws {
        switch JSONArgs.parse(rest) {
        case .strings(let strings):
            arguments = strings
            json = true
        case .notStrings:
            throw ParseFailure("when using JSON array syntax, arrays must be comprised of strings only")
        case .notJSON:
            if orWords {
                arguments = LineSplitting.splitOnBlanks(rest)
            } else {
                arguments = rest.isEmpty ? [] : [rest]
            }
        }
    }

    /// `KEY name value` (the old form: everything after the first blank is the value) or
    /// `KEY a=1 b="2 3"` (quotes kept for the expansion): [key, value, separator]…
    static func nameValues(_ rest: String, instruction: String, escape: Unicode.Scalar) throws -> [String] {
        let words = LineSplitting.parseWords(rest, escape: escape)
        guard let first = words.first else { return [] }
        if !first.contains("=") {
            let parts = LineSplitting.splitOnBlanks(rest, maxParts: 2)
            guard parts.count == 2 else { throw ParseFailure("\(instruction) must have two arguments") }
            return [parts[0], parts[1], ""]
        }
        var triples: [String] = []
        for word in words {
            guard let equals = word.firstIndex(of: "=") else {
                throw ParseFailure("Syntax error - can't find = in \(goQuoted(word)). Must be of the form: name=value")
            }
            triples += [String(word[..<equals]), String(word[word.index(after: equals)...]), "="]
        }
        return triples
    }
}
