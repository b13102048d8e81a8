/// One token of template text, with its byte offset and line for error messages.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case text, comment, leftDelim, rightDelim, space
        case identifier, field, variable, dot, bool, nilValue, number, charConstant, string, rawString
        case pipe, leftParen, rightParen, assign, declare, char
        case keyword(Keyword)
        case eof, error
    }

    enum Keyword: String, CaseIterable {
        case block, `break`, `continue`, define, `else`, end, `if`, range, template, with
    }

    let kind: Kind
    let text: String
    let position: Int
    let line: Int

    /// How Go's parser names a token in "unexpected …" messages.
    var description: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return text
        case .keyword, .nilValue: return "<\(text)>"
        default:
            if text.unicodeScalars.count > 10 {
                let prefix = String(String.UnicodeScalarView(text.unicodeScalars.prefix(10)))
                return GoFormatter.quote(prefix, delimiter: "\"") + "..."
            }
            return GoFormatter.quote(text, delimiter: "\"")
        }
    }
}

/// Splits template text into tokens the way Go's text/template lexer does, with `{{` `}}`
/// delimiters, `{{- ` / ` -}}` trimming and `{{/* */}}` comments. A lexical error ends the stream
/// with an `.error` token, which the parser reports when it reaches it.
struct TemplateLexer {
    private let input: [UInt8]
    private var position = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private(set) var tokens: [TemplateToken] = []

    private static let leftDelim = Array("{{".utf8)
    private static let rightDelim = Array("}}".utf8)

    static func tokenize(_ text: String) -> [TemplateToken] {
        var lexer = TemplateLexer(input: Array(text.utf8))
        lexer.run()
        return lexer.tokens
    }

    private init(input: [UInt8]) {
        self.input = input
    }

    // MARK: Scanning helpers

    private func hasPrefix(_ prefix: [UInt8], at offset: Int) -> Bool {
        offset + prefix.count <= input.count && Array(input[offset..<(offset + prefix.count)]) == prefix
    }

    private func peekScalar(at offset: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        guard offset < input.count else { return nil }
        var iterator = input[offset...].makeIterator()
        var decoder = UTF8()
        let lead = input[offset]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return (scalar, length) }
        return ("\u{FFFD}", 1)
    }

    private mutating func next() -> Unicode.Scalar? {
        guard let (scalar, length) = peekScalar(at: position) else { return nil }
        position += length
        if scalar == "\n" { line += 1 }
        return scalar
    }

    private mutating func backup(_ scalar: Unicode.Scalar?) {
        guard let scalar else { return }
        position -= String(scalar).utf8.count
        if scalar == "\n" { line -= 1 }
    }

    private func peek() -> Unicode.Scalar? { peekScalar(at: position)?.scalar }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        let text = String(decoding: input[start..<position], as: UTF8.self)
        tokens.append(TemplateToken(kind: kind, text: text, position: start, line: startLine))
        ignore()
    }

    private mutating func ignore() {
        start = position
        startLine = line
    }

    private mutating func skip(to offset: Int) {
        while position < offset { _ = next() }
    }

    private mutating func fail(_ message: String) {
        tokens.append(TemplateToken(kind: .error, text: message, position: start, line: startLine))
    }

    static func isSpace(_ scalar: Unicode.Scalar?) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    static func isAlphaNumeric(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar else { return false }
        return scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }

    private func hasLeftTrimMarker(at offset: Int) -> Bool {
        offset + 1 < input.count && input[offset] == UInt8(ascii: "-") && Self.isSpace(Unicode.Scalar(input[offset + 1]))
    }

    /// Whether a right delimiter starts here, and whether it carries a ` -` trim marker.
    private func atRightDelim() -> (delim: Bool, trim: Bool) {
        if position + 1 < input.count, Self.isSpace(Unicode.Scalar(input[position])),
           input[position + 1] == UInt8(ascii: "-"), hasPrefix(Self.rightDelim, at: position + 2)
        {
            return (true, true)
        }
        return (hasPrefix(Self.rightDelim, at: position), false)
    }

    private func atTerminator() -> Bool {
        let scalar = peek()
        if Self.isSpace(scalar) { return true }
        switch scalar {
        case nil, ".", ",", "|", ":", ")", "(": return true
        default: return hasPrefix(Self.rightDelim, at: position)
        }
    }

    private func trailingSpaceCount(before end: Int) -> Int {
        var count = 0
        while end - count > start, Self.isSpace(Unicode.Scalar(input[end - count - 1])) { count += 1 }
        return count
    }

    // MARK: States

    /// Where lexing goes after text and an opening delimiter.
    private enum Next {
        case action, text, stop
    }

    private mutating func run() {
        while true {
            switch lexText() {
            case .action: guard lexInsideAction() else { return }
            case .text: continue
            case .stop: return
            }
        }
    }

    /// Text up to the next action, and its opening delimiter or comment.
    private mutating func lexText() -> Next {
        var offset = position
        while offset < input.count, !hasPrefix(Self.leftDelim, at: offset) { offset += 1 }
        guard offset < input.count else {
            skip(to: input.count)
            if position > start { emit(.text) }
            tokens.append(TemplateToken(kind: .eof, text: "", position: position, line: line))
            return .stop
        }
        let trim = hasLeftTrimMarker(at: offset + Self.leftDelim.count)
        let textEnd = trim ? offset - trailingSpaceCount(before: offset) : offset
        skip(to: textEnd)
        if position > start { emit(.text) }
        skip(to: offset)
        ignore()
        return lexLeftDelim(trim: trim)
    }

    /// `{{`, or a whole comment.
    private mutating func lexLeftDelim(trim: Bool) -> Next {
        position += Self.leftDelim.count
        let afterMarker = trim ? 2 : 0
        if hasPrefix(Array("/*".utf8), at: position + afterMarker) {
            skip(to: position + afterMarker)
            ignore()
            return lexComment() ? .text : .stop
        }
        emit(.leftDelim)
        skip(to: position + afterMarker)
        ignore()
        parenDepth = 0
        return .action
    }

    private mutating func lexComment() -> Bool {
        var offset = position + 2
        while offset < input.count, !hasPrefix(Array("*/".utf8), at: offset) { offset += 1 }
        guard offset < input.count else {
            fail("unclosed comment")
            return false
        }
        skip(to: offset + 2)
        let (delim, trim) = atRightDelim()
        guard delim else {
            fail("comment ends before closing delimiter")
            return false
        }
        emit(.comment)
        if trim { skip(to: position + 2) }
        skip(to: position + Self.rightDelim.count)
        if trim { skipLeadingSpace() }
        ignore()
        return true
    }

    private mutating func skipLeadingSpace() {
        while position < input.count, Self.isSpace(Unicode.Scalar(input[position])) { _ = next() }
    }

    private mutating func lexRightDelim(trim: Bool) {
        if trim {
            skip(to: position + 2)
            ignore()
        }
        skip(to: position + Self.rightDelim.count)
        emit(.rightDelim)
        if trim {
            skipLeadingSpace()
            ignore()
        }
    }

    /// Tokens up to and including `}}`; false when lexing stopped on an error.
    private mutating func lexInsideAction() -> Bool {
        while true {
            let (delim, trim) = atRightDelim()
            if delim {
                guard parenDepth == 0 else {
                    fail("unclosed left paren")
                    return false
                }
                lexRightDelim(trim: trim)
                return true
            }
            guard let scalar = next() else {
                fail("unclosed action")
                return false
            }
            switch scalar {
            case _ where Self.isSpace(scalar):
                backup(scalar)
                lexSpace()
            case "=":
                emit(.assign)
            case ":":
                guard next() == "=" else {
                    fail("expected :=")
                    return false
                }
                emit(.declare)
            case "|":
                emit(.pipe)
            case "\"":
                guard lexQuote(terminator: "\"", kind: .string, message: "unterminated quoted string") else { return false }
            case "'":
                guard lexQuote(terminator: "'", kind: .charConstant, message: "unterminated character constant")
                else { return false }
            case "`":
                guard lexRawQuote() else { return false }
            case "$":
                guard lexFieldOrVariable(.variable) else { return false }
            case ".":
                // `.5` is a number; anything else a field or dot.
                if let following = peek(), ("0"..."9").contains(following) {
                    backup(scalar)
                    guard lexNumber() else { return false }
                } else {
                    guard lexFieldOrVariable(.field) else { return false }
                }
            case "+", "-", "0"..."9":
                backup(scalar)
                guard lexNumber() else { return false }
            case _ where Self.isAlphaNumeric(scalar):
                backup(scalar)
                guard lexIdentifier() else { return false }
            case "(":
                emit(.leftParen)
                parenDepth += 1
            case ")":
                emit(.rightParen)
                parenDepth -= 1
                if parenDepth < 0 {
                    fail("unexpected right paren")
                    return false
                }
            default:
                if scalar.value < 0x7F && scalar.value >= 0x20 {
                    emit(.char)
                } else {
                    fail("unrecognized character in action: \(Self.describe(scalar))")
                    return false
                }
            }
        }
    }

    /// Go's `%#U`: `U+007D '}'`.
    static func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "U+FFFFFFFFFFFFFFFF" }
        let hex = GoFormatter.hex(scalar.value, digits: 4, uppercase: true)
        return GoFormatter.isPrintable(scalar) ? "U+\(hex) '\(scalar)'" : "U+\(hex)"
    }

    private mutating func lexSpace() {
        var count = 0
        while Self.isSpace(peek()) {
            _ = next()
            count += 1
        }
        // The last space before `-}}` belongs to the trim marker.
        if position < input.count, input[position] == UInt8(ascii: "-"), hasPrefix(Self.rightDelim, at: position + 1) {
            backup(Unicode.Scalar(input[position - 1]))
            if count == 1 { return }
        }
        emit(.space)
    }

    private mutating func lexQuote(terminator: Unicode.Scalar, kind: TemplateToken.Kind, message: String) -> Bool {
        while true {
            switch next() {
            case "\\":
                let escaped = next()
                if escaped == nil || escaped == "\n" {
                    fail(message)
                    return false
                }
            case nil, "\n":
                fail(message)
                return false
            case terminator:
                emit(kind)
                return true
            default:
                continue
            }
        }
    }

    private mutating func lexRawQuote() -> Bool {
        while true {
            switch next() {
            case nil:
                fail("unterminated raw quoted string")
                return false
            case "`":
                emit(.rawString)
                return true
            default:
                continue
            }
        }
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> Bool {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return true
        }
        while Self.isAlphaNumeric(peek()) { _ = next() }
        guard atTerminator() else {
            fail("bad character \(Self.describe(peek()))")
            return false
        }
        emit(kind)
        return true
    }

    private mutating func lexIdentifier() -> Bool {
        while Self.isAlphaNumeric(peek()) { _ = next() }
        guard atTerminator() else {
            fail("bad character \(Self.describe(peek()))")
            return false
        }
        let word = String(decoding: input[start..<position], as: UTF8.self)
        if let keyword = TemplateToken.Keyword(rawValue: word) {
            emit(.keyword(keyword))
        } else if word == "nil" {
            emit(.nilValue)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return true
    }

    private mutating func accept(_ valid: String) -> Bool {
        if let scalar = peek(), valid.unicodeScalars.contains(scalar) {
            _ = next()
            return true
        }
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    private mutating func lexNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        let text = String(decoding: input[start..<position], as: UTF8.self)
        if Self.isAlphaNumeric(peek()) || peek() == "+" || peek() == "-" {
            _ = next()
            let bad = String(decoding: input[start..<position], as: UTF8.self)
            fail("bad number syntax: \(GoFormatter.quote(bad, delimiter: "\""))")
            return false
        }
        if text == "+" || text == "-" || text == "." {
            fail("bad number syntax: \(GoFormatter.quote(text, delimiter: "\""))")
            return false
        }
        emit(.number)
        return true
    }
}
