import GoTemplate
import SwrunOS

/// BuildKit's shell lexer (frontend/dockerfile/shell): `$V`, `${V}`, `${V:-x}`, `${V-x}`,
/// `${V:+x}`, `${V+x}`, `${V:?msg}`, `${V?msg}`, `${V#p}`, `${V##p}`, `${V%p}`, `${V%%p}`,
/// `${V/p/r}`, `${V//p/r}`, single and double quotes, the escape character.
public struct ShellLex: Sendable {
    /// The escape character: `\`, or the backtick after `# escape=``.
    public let escape: Character
    /// Keep quote characters in the result (the parser's heredoc-word detection).
    var rawQuotes = false
    /// Keep escape characters in the result.
    var rawEscapes = false
    /// Treat quotes as plain characters (heredoc bodies).
    var skipProcessQuotes = false
    /// Leave references to unset variables as written.
    var skipUnsetEnv = false

    public init(escape: Character = "\\") {
        self.escape = escape
    }

    /// `word` with variables substituted and quotes and escapes removed, as one string
    /// (spaces between words kept): how ENV, LABEL, WORKDIR, COPY… arguments are expanded.
    public func processWord(_ word: String, _ variables: [String: String]) throws -> String {
        try process(word, variables).result
    }

    /// `word` with variables substituted, split into words on unquoted whitespace
    /// (splitting happens after substitution, so a value with spaces makes several words).
    public func processWords(_ word: String, _ variables: [String: String]) throws -> [String] {
        try process(word, variables).words
    }

    private func process(_ word: String, _ variables: [String: String]) throws -> (result: String, words: [String]) {
        let scanner = ShellWordScanner(lex: self, text: word, variables: variables)
        do {
            return try scanner.processStop(on: nil, rawEscapes: rawEscapes)
        } catch let error as ShellLexFailure {
            throw SwrunError(.invalidArgument, "failed to process \(goQuoted(word)): \(error.message)")
        }
    }
}

/// A lexer failure in BuildKit's words, before it is wrapped with the word being processed.
struct ShellLexFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The state of one word being processed. A class because nested `${…}` parts share
/// the words buffer with the outer word, as in BuildKit.
private final class ShellWordScanner {
    let lex: ShellLex
    let escape: Unicode.Scalar
    let chars: [Unicode.Scalar]
    let variables: [String: String]
    var position = 0
    var rawEscapes: Bool
    /// Shared by every nesting level, as BuildKit's is: a nested `${…}` word clears what
    /// the outer word had collected since its last split. Only `processWords` sees this.
    var wordsBuffer = ""

    struct Words {
        var words: [String] = []
        var inWord = false
    }

    init(lex: ShellLex, text: String, variables: [String: String]) {
        self.lex = lex
        self.escape = lex.escape.unicodeScalars.first ?? "\\"
        self.chars = Array(text.unicodeScalars)
        self.variables = variables
        self.rawEscapes = lex.rawEscapes
    }

    func peek() -> Unicode.Scalar? { position < chars.count ? chars[position] : nil }

    @discardableResult
    func next() -> Unicode.Scalar? {
        guard position < chars.count else { return nil }
        position += 1
        return chars[position - 1]
    }

    // MARK: Word splitting

    func addChar(_ ch: Unicode.Scalar, _ w: inout Words) {
        if ch.properties.isWhitespace {
            if w.inWord && !wordsBuffer.isEmpty {
                w.words.append(wordsBuffer)
                wordsBuffer = ""
                w.inWord = false
            }
        } else {
            addRawChar(ch, &w)
        }
    }

    func addRawChar(_ ch: Unicode.Scalar, _ w: inout Words) {
        wordsBuffer.unicodeScalars.append(ch)
        w.inWord = true
    }

    func addString(_ s: String, _ w: inout Words) {
        for ch in s.unicodeScalars { addChar(ch, &w) }
    }

    func addRawString(_ s: String, _ w: inout Words) {
        wordsBuffer += s
        w.inWord = true
    }

    func finish(_ w: inout Words) -> [String] {
        if !wordsBuffer.isEmpty {
            w.words.append(wordsBuffer)
            wordsBuffer = ""
            w.inWord = false
        }
        return w.words
    }

    // MARK: Processing

    /// Processes up to `stop` (consumed) or the end of the text.
    func processStop(on stop: Unicode.Scalar?, rawEscapes raw: Bool) throws -> (result: String, words: [String]) {
        var result = ""
        wordsBuffer = ""
        var words = Words()
        let saved = rawEscapes
        rawEscapes = raw
        defer { rawEscapes = saved }

        while let ch = peek() {
            if let stop, ch == stop {
                next()
                return (result, finish(&words))
            }
            switch ch {
            case "$":
                let value = try processDollar()
                result += value
                addString(value, &words)
            case "<":
                let value = processPossibleHeredoc()
                result += value
                addRawString(value, &words)
            case "'" where !lex.skipProcessQuotes:
                let value = try processSingleQuote()
                result += value
                addRawString(value, &words)
            case "\"" where !lex.skipProcessQuotes:
                let value = try processDoubleQuote()
                result += value
                addRawString(value, &words)
            default:
                var c = next()!
                if c == escape {
                    if rawEscapes {
                        addRawChar(c, &words)
                        result.unicodeScalars.append(c)
                    }
                    // The escape character escapes anything; at the end it is dropped.
                    guard let escaped = next() else { break }
                    c = escaped
                    addRawChar(c, &words)
                } else {
                    addChar(c, &words)
                }
                result.unicodeScalars.append(c)
            }
        }
        if let stop {
            throw ShellLexFailure("unexpected end of statement while looking for matching \(Character(stop))")
        }
        return (result, finish(&words))
    }

    /// Everything up to the next `'` as is (nothing can be escaped inside).
    func processSingleQuote() throws -> String {
        var result = ""
        let open = next()!
        if lex.rawQuotes { result.unicodeScalars.append(open) }
        while true {
            guard let ch = next() else {
                throw ShellLexFailure("unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" {
                if lex.rawQuotes { result.unicodeScalars.append(ch) }
                return result
            }
            result.unicodeScalars.append(ch)
        }
    }

    /// Up to the next `"`, with `$` expanded and the escape character escaping only
    /// `"`, `$` and itself (otherwise it stays).
    func processDoubleQuote() throws -> String {
        var result = ""
        let open = next()!
        if lex.rawQuotes { result.unicodeScalars.append(open) }
        while true {
            guard let peeked = peek() else {
                throw ShellLexFailure("unexpected end of statement while looking for matching double-quote")
            }
            switch peeked {
            case "\"":
                next()
                if lex.rawQuotes { result.unicodeScalars.append(peeked) }
                return result
            case "$":
                result += try processDollar()
            default:
                var ch = next()!
                if ch == escape {
                    if rawEscapes { result.unicodeScalars.append(ch) }
                    guard let following = peek() else { continue }
                    if following == "\"" || following == "$" || following == escape {
                        ch = next()!
                    }
                }
                result.unicodeScalars.append(ch)
            }
        }
    }

    func lookup(_ name: String) -> String? { variables[name] }

    func processDollar() throws -> String {
        next()  // "$"
        if peek() != "{" {
            let name = processName()
            if name.isEmpty { return "$" }
            guard let value = lookup(name) else { return lex.skipUnsetEnv ? "$" + name : "" }
            return value
        }
        next()  // "{"
        switch peek() {
        case nil: throw ShellLexFailure("syntax error: missing '}'")
        case "{", "}", ":": throw ShellLexFailure("syntax error: bad substitution")
        default: break
        }
        let name = processName()
        // At the end of the text Go's scanner returns EOF, whose string is U+FFFD.
        var ch = next() ?? "\u{FFFD}"
        var modifier = String(Character(ch))
        var nullIsUnset = false

        switch ch {
        case "}":
            guard let value = lookup(name) else { return lex.skipUnsetEnv ? "${\(name)}" : "" }
            return value
        case "/":
            return try processReplacement(name)
        case ":", "+", "-", "?", "#", "%":
            if ch == ":" {
                nullIsUnset = true
                ch = next() ?? "\u{FFFD}"
                modifier.unicodeScalars.append(ch)
            }
            let patternModifier = ch == "#" || ch == "%"
            if nullIsUnset && patternModifier {
                throw ShellLexFailure("unsupported modifier (\(modifier)) in substitution")
            }
            let word: String
            do {
                word = try processStop(on: "}", rawEscapes: patternModifier).result
            } catch let error as ShellLexFailure {
                if peek() == nil { throw ShellLexFailure("syntax error: missing '}'") }
                throw error
            }
            let value = lookup(name)
            if lex.skipUnsetEnv && value == nil { return "${\(name)\(modifier)\(word)}" }
            let unset = value == nil || (nullIsUnset && value == "")
            switch ch {
            case "-":
                return unset ? word : value!
            case "+":
                return unset ? "" : word
            case "?":
                guard let value else {
                    throw ShellLexFailure("\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset && value.isEmpty {
                    throw ShellLexFailure("\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value
            case "#", "%":
                var pattern = word
                // `##` and `%%` remove the longest match, `#` and `%` the shortest.
                let greedy = pattern.unicodeScalars.first == ch
                if greedy { pattern.unicodeScalars.removeFirst() }
                return try ch == "%"
                    ? ShellPattern.trimSuffix(pattern, from: value ?? "", greedy: greedy)
                    : ShellPattern.trimPrefix(pattern, from: value ?? "", greedy: greedy)
            default:
                throw ShellLexFailure("unsupported modifier (\(modifier)) in substitution")
            }
        default:
            throw ShellLexFailure("unsupported modifier (\(modifier)) in substitution")
        }
    }

    /// `${name/pattern/replacement}` and `${name//pattern/replacement}`.
    func processReplacement(_ name: String) throws -> String {
        let replaceAll = peek() == "/"
        if replaceAll { next() }
        let pattern: String
        do {
            pattern = try processStop(on: "/", rawEscapes: true).result
        } catch let error as ShellLexFailure {
            if peek() == nil { throw ShellLexFailure("syntax error: missing '/' in ${}") }
            throw error
        }
        let replacement: String
        do {
            replacement = try processStop(on: "}", rawEscapes: true).result
        } catch let error as ShellLexFailure {
            if peek() == nil { throw ShellLexFailure("syntax error: missing '}'") }
            throw error
        }
        let value = lookup(name)
        if lex.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
        return try ShellPattern.replace(pattern, in: value ?? "", with: replacement, all: replaceAll)
    }

    /// A variable name: letters, digits and `_`; or a run of digits (positional); or
    /// one special parameter character.
    func processName() -> String {
        var name = ""
        while let ch = peek() {
            if name.isEmpty && ch.isGoDigit {
                while let d = peek(), d.isGoDigit { name.unicodeScalars.append(next()!) }
                return name
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(ch) {
                next()
                return String(Character(ch))
            }
            if !ch.isGoLetter && !ch.isGoDigit && ch != "_" { break }
            name.unicodeScalars.append(next()!)
        }
        return name
    }

    /// `<<` and the blanks after it stay together, so a heredoc word stays one word.
    func processPossibleHeredoc() -> String {
        next()
        guard peek() == "<" else { return "<" }
        next()
        var result = "<<"
        while let ch = peek(), ch == " " || ch == "\t" || ch == "\r" {
            result.unicodeScalars.append(ch)
            next()
        }
        return result
    }
}

extension Unicode.Scalar {
    /// Go's unicode.IsLetter: general category L.
    var isGoLetter: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Go's unicode.IsDigit: general category Nd.
    var isGoDigit: Bool { properties.generalCategory == .decimalNumber }
}

