import FoundationEssentials
import Glibc
import SwrunOS

extension ImageConfigFile.Config {
    /// The instructions `docker commit/import --change` accepts.
    static let changeInstructions: Set<String> = [
        "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ]
    /// Dockerfile instructions that are not changes.
    static let otherDockerfileInstructions: Set<String> = [
        "ADD", "ARG", "COPY", "FROM", "MAINTAINER", "RUN", "SHELL",
    ]
    /// The shell that runs the shell form of `CMD` and `ENTRYPOINT`.
    static let defaultShell = ["/bin/sh", "-c"]

    /// This config with Dockerfile-style `--change` lines applied in order: `CMD`,
    /// `ENTRYPOINT` (JSON array or shell form), `ENV`, `EXPOSE`, `LABEL`, `ONBUILD`,
    /// `STOPSIGNAL`, `USER`, `VOLUME`, `WORKDIR`. `$VAR` in ENV, LABEL, EXPOSE, USER,
    /// VOLUME, WORKDIR and STOPSIGNAL expands from the environment set so far.
    public func applying(changes: [String]) throws -> ImageConfigFile.Config {
        var config = self
        var cmdSet = false
        for change in changes {
            try config.apply(change: change, cmdSet: &cmdSet)
        }
        return config
    }

    private mutating func apply(change: String, cmdSet: inout Bool) throws {
        let line = change.trimmingBlanks(newlines: true)
        let keywordEnd = line.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? line.endIndex
        let keyword = line[..<keywordEnd].uppercased()
        let rest = line[keywordEnd...].trimmingBlanks()
        guard !keyword.isEmpty else { throw SwrunError(.invalidArgument, "empty change line") }
        guard Self.changeInstructions.contains(keyword) else {
            if Self.otherDockerfileInstructions.contains(keyword) {
                throw SwrunError(.invalidArgument, "\(keyword) is not a valid change command")
            }
            throw SwrunError(.invalidArgument, "unknown instruction: \(line[..<keywordEnd])")
        }
        func requireArgument() throws {
            if rest.isEmpty { throw SwrunError(.invalidArgument, "\(keyword) requires at least one argument") }
        }
        let shell = ShellWords(env: env ?? [])
        switch keyword {
        case "CMD":
            try requireArgument()
            cmd = Self.execOrShellForm(rest)
            cmdSet = true
        case "ENTRYPOINT":
            try requireArgument()
            entrypoint = Self.execOrShellForm(rest)
            if !cmdSet { cmd = nil }
        case "ENV":
            try requireArgument()
            var environment = env ?? []
            for (key, value) in try Self.nameValuePairs(rest, instruction: keyword, shell: shell) {
                guard !key.isEmpty else { throw SwrunError(.invalidArgument, "ENV names can not be blank") }
                let entry = "\(key)=\(value)"
                if let existing = environment.firstIndex(where: { $0.hasPrefix(key + "=") || $0 == key }) {
                    environment[existing] = entry
                } else {
                    environment.append(entry)
                }
            }
            env = environment
        case "LABEL":
            try requireArgument()
            var result = labels ?? [:]
            for (key, value) in try Self.nameValuePairs(rest, instruction: keyword, shell: shell) {
                guard !key.isEmpty else { throw SwrunError(.invalidArgument, "LABEL names can not be blank") }
                result[key] = value
            }
            labels = result
        case "EXPOSE":
            try requireArgument()
            var ports = Set(exposedPorts ?? [])
            for word in try shell.words(rest) {
                ports.formUnion(try Self.portSpecs(word))
            }
            exposedPorts = ports.sorted()
        case "VOLUME":
            try requireArgument()
            let paths = try Self.jsonArray(rest) ?? shell.words(rest)
            var result = Set(volumes ?? [])
            for path in paths {
                let trimmed = path.trimmingBlanks()
                guard !trimmed.isEmpty else {
                    throw SwrunError(.invalidArgument, "VOLUME specified can not be an empty string")
                }
                result.insert(trimmed)
            }
            volumes = result.sorted()
        case "WORKDIR":
            try requireArgument()
            let path = try shell.word(rest)
            let base = path.hasPrefix("/") ? "" : (workingDir ?? "/")
            workingDir = Self.cleanPath(base + "/" + path)
        case "USER":
            try requireArgument()
            user = try shell.word(rest)
        case "STOPSIGNAL":
            try requireArgument()
            let signal = try shell.word(rest)
            guard !signal.isEmpty, signal.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" }) else {
                throw SwrunError(.invalidArgument, "invalid signal: \(signal)")
            }
            stopSignal = signal
        case "ONBUILD":
            try requireArgument()
            let triggerEnd = rest.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? rest.endIndex
            let trigger = rest[..<triggerEnd].uppercased()
            switch trigger {
            case "ONBUILD":
                throw SwrunError(.invalidArgument, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "FROM", "MAINTAINER":
                throw SwrunError(.invalidArgument, "\(trigger) isn't allowed as an ONBUILD trigger")
            default:
                guard Self.changeInstructions.contains(trigger) || Self.otherDockerfileInstructions.contains(trigger) else {
                    throw SwrunError(.invalidArgument, "unknown instruction: \(rest[..<triggerEnd])")
                }
            }
            onBuild = (onBuild ?? []) + [rest]
        default:
            throw SwrunError(.unsupported, "\(keyword) is not supported in --change yet")
        }
    }

    /// `["a","b"]` as exec form, anything else as `/bin/sh -c "…"`.
    static func execOrShellForm(_ text: String) -> [String] {
        jsonArray(text) ?? defaultShell + [text]
    }

    /// The strings of a JSON array of strings, or nil when `text` is not one.
    static func jsonArray(_ text: String) -> [String]? {
        guard text.hasPrefix("[") else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// `k=v k2="v 2"` pairs, or the legacy `k v w` form (one pair, value = the rest).
    static func nameValuePairs(_ text: String, instruction: String, shell: ShellWords) throws -> [(String, String)] {
        let rawWords = try ShellWords.split(text)
        guard let first = rawWords.first else {
            throw SwrunError(.invalidArgument, "\(instruction) requires at least one argument")
        }
        if !first.contains("=") {
            guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw SwrunError(.invalidArgument, "\(instruction) must have two arguments")
            }
            let value = text[space...].trimmingBlanks()
            return [(try shell.word(first), try shell.word(value))]
        }
        var pairs: [(String, String)] = []
        for word in rawWords {
            guard let equals = word.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "Syntax error - can't find = in \"\(word)\". Must be of the form: name=value")
            }
            pairs.append((try shell.word(String(word[..<equals])), try shell.word(String(word[word.index(after: equals)...]))))
        }
        return pairs
    }

    /// `80` → `80/tcp`, `53/udp`, `8000-8001` → `8000/tcp`, `8001/tcp`.
    static func portSpecs(_ spec: String) throws -> [String] {
        var ports = Substring(spec)
        var proto = "tcp"
        if let slash = spec.firstIndex(of: "/") {
            proto = spec[spec.index(after: slash)...].lowercased()
            ports = spec[..<slash]
        }
        guard ["tcp", "udp", "sctp"].contains(proto) else {
            throw SwrunError(.invalidArgument, "invalid proto: \(proto)")
        }
        let bounds = ports.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = bounds.first.flatMap({ UInt16($0) }), let high = (bounds.count == 2 ? UInt16(bounds[1]) : low),
              low <= high else {
            throw SwrunError(.invalidArgument, "invalid containerPort: \(ports)")
        }
        return (low...high).map { "\($0)/\(proto)" }
    }

    /// `path` with `.`, `..` and repeated slashes resolved; always absolute.
    static func cleanPath(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// The Dockerfile shell-word rules: quotes, backslash escapes and `$VAR`, `${VAR}`,
/// `${VAR:-default}`, `${VAR:+alternative}` expansion from an environment.
struct ShellWords {
    var variables: [String: String]

    init(env: [String]) {
        variables = [:]
        for entry in env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            variables[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
        }
    }

    /// Splits on unquoted whitespace; quotes and escapes stay in the words.
    static func split(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped {
                current.append(char)
                escaped = false
                continue
            }
            if char == "\\" && quote != "'" {
                current.append(char)
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                current.append(char)
                if char == open { quote = nil }
                continue
            }
            if char == " " || char == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
                continue
            }
            if char == "\"" || char == "'" { quote = char }
            current.append(char)
            inWord = true
        }
        if quote != nil { throw SwrunError(.invalidArgument, "unterminated quote in: \(text)") }
        if inWord { words.append(current) }
        return words
    }

    /// The words of `text` with quotes removed and variables expanded.
    func words(_ text: String) throws -> [String] {
        try ShellWords.split(text).map { try word($0) }
    }

    /// `text` as one word: quotes removed, escapes applied, variables expanded.
    func word(_ text: String) throws -> String {
        let chars = Array(text)
        var result = ""
        var index = 0
        var inDouble = false
        while index < chars.count {
            let char = chars[index]
            index += 1
            if char == "\\" {
                guard index < chars.count else { result.append(char); break }
                let next = chars[index]
                if inDouble && !["\"", "\\", "$", "`"].contains(next) { result.append(char) }
                result.append(next)
                index += 1
            } else if char == "'" && !inDouble {
                guard let close = chars[index...].firstIndex(of: "'") else {
                    throw SwrunError(.invalidArgument, "unterminated single quote in: \(text)")
                }
                result += String(chars[index..<close])
                index = close + 1
            } else if char == "\"" {
                inDouble.toggle()
            } else if char == "$" {
                result += try expand(chars, &index, text: text)
            } else {
                result.append(char)
            }
        }
        if inDouble { throw SwrunError(.invalidArgument, "unterminated double quote in: \(text)") }
        return result
    }

    private func expand(_ chars: [Character], _ index: inout Int, text: String) throws -> String {
        guard index < chars.count else { return "$" }
        if chars[index] == "{" {
            guard let close = chars[index...].firstIndex(of: "}") else {
                throw SwrunError(.invalidArgument, "missing '}' in: \(text)")
            }
            let body = String(chars[(index + 1)..<close])
            index = close + 1
            if let range = body.firstRange(of: ":-") {
                let value = variables[String(body[..<range.lowerBound])] ?? ""
                return value.isEmpty ? try word(String(body[range.upperBound...])) : value
            }
            if let range = body.firstRange(of: ":+") {
                let value = variables[String(body[..<range.lowerBound])] ?? ""
                return value.isEmpty ? "" : try word(String(body[range.upperBound...]))
            }
            return variables[body] ?? ""
        }
        var name = ""
        while index < chars.count, chars[index] == "_" || chars[index].isLetter || chars[index].isNumber, chars[index].isASCII {
            name.append(chars[index])
            index += 1
        }
        return name.isEmpty ? "$" : variables[name] ?? ""
    }
}
