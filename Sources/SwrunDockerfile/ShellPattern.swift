/// The patterns of `${V#p}`, `${V%p}` and `${V/p/r}` as BuildKit reads them: `*` any run of
/// characters, `?` one character (neither crosses a newline, as in Go's regexp), `\*`,
/// `\?`, `\\` literal, `\}` and `\/` the character itself; no bracket expressions.
enum ShellPattern {
    enum Token: Equatable {
        case literal(Unicode.Scalar)
        case any
        case star
    }

    static func tokens(_ pattern: String) throws -> [Token] {
        var tokens: [Token] = []
        let chars = Array(pattern.unicodeScalars)
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            i += 1
            switch ch {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                // `}` and `/` are escaped only so they do not end the `${}`.
                if i < chars.count, chars[i] == "}" || chars[i] == "/" { continue }
                guard i < chars.count, "*?\\".unicodeScalars.contains(chars[i]) else {
                    let shown = i < chars.count ? String(Character(chars[i])) : "\u{FFFD}"
                    throw ShellLexFailure("invalid pattern (\(pattern)) in substitution: invalid escape '\\\(shown)'")
                }
                tokens.append(.literal(chars[i]))
                i += 1
            default: tokens.append(.literal(ch))
            }
        }
        return tokens
    }

    /// The end of the first match of `tokens` starting exactly at `start`, trying `*`
    /// longest-first when `greedy`, shortest-first otherwise (Go's leftmost-first rule).
    static func matchEnd(_ tokens: [Token], _ text: [Unicode.Scalar], start: Int, greedy: Bool) -> Int? {
        func match(_ t: Int, _ i: Int) -> Int? {
            if t == tokens.count { return i }
            switch tokens[t] {
            case .literal(let c):
                guard i < text.count, text[i] == c else { return nil }
                return match(t + 1, i + 1)
            case .any:
                guard i < text.count, text[i] != "\n" else { return nil }
                return match(t + 1, i + 1)
            case .star:
                var limit = i
                while limit < text.count, text[limit] != "\n" { limit += 1 }
                if greedy {
                    for end in stride(from: limit, through: i, by: -1) {
                        if let found = match(t + 1, end) { return found }
                    }
                } else {
                    for end in i...limit {
                        if let found = match(t + 1, end) { return found }
                    }
                }
                return nil
            }
        }
        return match(0, start)
    }

    /// `${V#p}` / `${V##p}`: `value` without the shortest (longest) prefix matching `pattern`.
    static func trimPrefix(_ pattern: String, from value: String, greedy: Bool) throws -> String {
        let tokens = try tokens(pattern)
        let text = Array(value.unicodeScalars)
        guard let end = matchEnd(tokens, text, start: 0, greedy: greedy) else { return value }
        return String(String.UnicodeScalarView(text[end...]))
    }

    /// `${V%p}` / `${V%%p}`: BuildKit reverses pattern and value and trims a prefix.
    static func trimSuffix(_ pattern: String, from value: String, greedy: Bool) throws -> String {
        let reversed = try trimPrefix(reversePattern(pattern), from: String(String.UnicodeScalarView(value.unicodeScalars.reversed())), greedy: greedy)
        return String(String.UnicodeScalarView(reversed.unicodeScalars.reversed()))
    }

    /// The pattern reversed with each `\x` pair kept in order.
    static func reversePattern(_ pattern: String) -> String {
        let chars = Array(pattern.unicodeScalars)
        var out = chars
        let last = chars.count - 1
        var i = 0
        while i <= last {
            if chars[i] == "\\" && i != last {
                out[last - i - 1] = "\\"
                out[last - i] = chars[i + 1]
                i += 2
            } else {
                out[last - i] = chars[i]
                i += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }

    /// `${V/p/r}` (first match) and `${V//p/r}` (every match), `*` greedy, as Go's
    /// regexp replacement does (an empty match next to the previous match is skipped).
    static func replace(_ pattern: String, in value: String, with replacement: String, all: Bool) throws -> String {
        let tokens = try tokens(pattern)
        let text = Array(value.unicodeScalars)
        func find(from start: Int) -> (Int, Int)? {
            guard start <= text.count else { return nil }
            for s in start...text.count {
                if let end = matchEnd(tokens, text, start: s, greedy: true) { return (s, end) }
            }
            return nil
        }
        var out = String.UnicodeScalarView()
        guard all else {
            guard case let (s, e)? = find(from: 0) else { return value }
            out.append(contentsOf: text[..<s])
            return String(out) + replacement + String(String.UnicodeScalarView(text[e...]))
        }
        var result = ""
        var lastEnd = 0
        var search = 0
        while search <= text.count, case let (s, e)? = find(from: search) {
            out = String.UnicodeScalarView(text[lastEnd..<s])
            result += String(out)
            if e > lastEnd || s == 0 { result += replacement }
            lastEnd = e
            search = search + 1 > e ? search + 1 : e
        }
        result += String(String.UnicodeScalarView(text[lastEnd...]))
        return result
    }
}
