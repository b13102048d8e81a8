import GoTemplate
import SwrunOS

/// `.dockerignore` (moby/patternmatcher): Go filepath.Match segments, `**`, `!` exceptions,
/// last match wins, patterns cleaned and leading "/" dropped.
public struct IgnorePatterns: Sendable {
    let patterns: [IgnorePattern]

    /// Reads a .dockerignore file: one pattern a line, `#` lines are comments, blank
    /// lines skipped, `!` marks an exception. Throws on a malformed pattern.
    public init(parsing text: String) throws {
        var lines: [String] = []
        var first = true
        // Split on "\n" scalars: "\r\n" is one Character in Swift.
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var scalars = rawLine
            if first, scalars.first == "\u{FEFF}" { scalars.removeFirst() }
            first = false
            if scalars.last == "\r" { scalars.removeLast() }
            let line = String(String.UnicodeScalarView(scalars))
            // A comment only when "#" is the first character, as in moby's ignorefile.
            if line.hasPrefix("#") { continue }
            var pattern = line.trimmingGoSpace()
            if pattern.isEmpty { continue }
            let exception = pattern.hasPrefix("!")
            if exception { pattern = String(pattern.dropFirst()).trimmingGoSpace() }
            if !pattern.isEmpty {
                pattern = cleanPath(pattern)
                if pattern.count > 1 && pattern.hasPrefix("/") { pattern.removeFirst() }
            }
            lines.append(exception ? "!" + pattern : pattern)
        }
        try self.init(lines: lines)
    }

    /// Patterns as moby's patternmatcher.New takes them.
    init(lines: [String]) throws {
        var patterns: [IgnorePattern] = []
        for line in lines {
            var text = line.trimmingGoSpace()
            if text.isEmpty { continue }
            text = cleanPath(text)
            var exception = false
            if text.hasPrefix("!") {
                if text == "!" { throw SwrunError(.invalidArgument, "illegal exclusion pattern: \"!\"") }
                exception = true
                text.removeFirst()
            }
            // filepath.Match reports a malformed pattern; the result does not matter.
            do {
                _ = try PathMatch.matches(text, ".")
            } catch {
                throw SwrunError(.invalidArgument, "syntax error in pattern: \(goQuoted(line))")
            }
            patterns.append(IgnorePattern(text, exception: exception))
        }
        self.patterns = patterns
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// Whether `path` (relative to the context, "/"-separated, no leading "/") is excluded:
    /// each pattern in turn that matches the path or one of its parents decides, so the
    /// last match wins.
    public func excludes(_ path: String) -> Bool {
        let file = cleanPath(path)
        if file == "." || patterns.isEmpty { return false }
        let parents = file.split(separator: "/").dropLast().map(String.init)
        var matched = false
        for pattern in patterns where pattern.exception == matched {
            var match = pattern.matches(file)
            if !match && !parents.isEmpty {
                var prefix = ""
                for part in parents {
                    prefix = prefix.isEmpty ? part : prefix + "/" + part
                    if pattern.matches(prefix) {
                        match = true
                        break
                    }
                }
            }
            if match { matched = !pattern.exception }
        }
        return matched
    }

    /// Whether some exception might re-include something under the excluded directory `path`
    /// (so the walk must still descend into it). Errs on the side of descending: an
    /// exception with wildcards that could reach below `path` counts.
    public func hasExceptions(under path: String) -> Bool {
        let directory = cleanPath(path).split(separator: "/").map(String.init)
        return patterns.contains { $0.exception && $0.mayMatchBelow(directory) }
    }
}

/// One cleaned pattern, matched as patternmatcher does: exact, prefix (`dir/**`), suffix
/// (`**/name`) or a compiled segment pattern.
struct IgnorePattern: Sendable {
    enum Kind: Sendable {
        case exact
        case prefix(String)
        case suffix(String)
        case pattern([Token])
    }

    enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        /// `*`: any run without "/".
        case star
        /// `?`: one character but "/".
        case one
        /// `[…]` as filepath.Match reads it.
        case set(negated: Bool, ranges: [ClosedRange<UInt32>])
        /// `**` (and `**/`) inside the pattern: nothing, or anything ending in "/".
        case anyDirectories
        /// `**` at the end: anything.
        case anything
    }

    let text: String
    let exception: Bool
    let kind: Kind

    init(_ text: String, exception: Bool) {
        self.text = text
        self.exception = exception
        self.kind = IgnorePattern.compile(text)
    }

    /// patternmatcher's compile: the first wildcard decides whether a plain comparison is enough.
    static func compile(_ text: String) -> Kind {
        enum Detected { case exact, prefix, suffix, pattern }
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var detected = Detected.exact
        var i = 0
        var iteration = 0
        while i < chars.count {
            let ch = chars[i]
            i += 1
            defer { iteration += 1 }
            switch ch {
            case "*":
                if i < chars.count, chars[i] == "*" {
                    i += 1
                    if i < chars.count, chars[i] == "/" { i += 1 }
                    if i == chars.count {
                        if detected == .exact {
                            detected = .prefix
                        } else {
                            tokens.append(.anything)
                            detected = .pattern
                        }
                    } else {
                        tokens.append(.anyDirectories)
                        detected = .pattern
                    }
                    if iteration == 0 { detected = .suffix }
                } else {
                    tokens.append(.star)
                    detected = .pattern
                }
            case "?":
                tokens.append(.one)
                detected = .pattern
            case "\\":
                if i < chars.count {
                    tokens.append(.literal(chars[i]))
                    i += 1
                    detected = .pattern
                } else {
                    tokens.append(.literal("\\"))
                }
            case "[":
                detected = .pattern
                let (set, next) = parseSet(chars, from: i)
                tokens.append(set)
                i = next
            default:
                tokens.append(.literal(ch))
            }
        }
        switch detected {
        case .exact: return .exact
        case .prefix: return .prefix(String(text.dropLast(2)))
        case .suffix: return .suffix(String(text.dropFirst(2)))
        case .pattern: return .pattern(tokens)
        }
    }

    /// A bracket expression starting after "[" (the pattern was validated by PathMatch).
    static func parseSet(_ chars: [Unicode.Scalar], from start: Int) -> (Token, Int) {
        var i = start
        var negated = false
        if i < chars.count, chars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        func scalar() -> UInt32 {
            if chars[i] == "\\", i + 1 < chars.count { i += 1 }
            defer { i += 1 }
            return chars[i].value
        }
        while i < chars.count {
            if chars[i] == "]" && !ranges.isEmpty {
                i += 1
                break
            }
            let lo = scalar()
            var hi = lo
            if i + 1 < chars.count, chars[i] == "-", chars[i + 1] != "]" {
                i += 1
                hi = scalar()
            }
            ranges.append(lo...max(lo, hi))
        }
        return (.set(negated: negated, ranges: ranges), i)
    }

    func matches(_ path: String) -> Bool {
        switch kind {
        case .exact: return path == text
        case .prefix(let prefix): return path.hasPrefix(prefix)
        case .suffix(let suffix):
            if path.hasSuffix(suffix) { return true }
            // `**/foo` matches "foo" too.
            return suffix.hasPrefix("/") && path == String(suffix.dropFirst())
        case .pattern(let tokens): return IgnorePattern.match(tokens, Array(path.unicodeScalars))
        }
    }

    static func match(_ tokens: [Token], _ path: [Unicode.Scalar]) -> Bool {
        // Memoised so patterns with several stars stay linear in practice.
        var failed = Set<Int>()
        func go(_ t: Int, _ i: Int) -> Bool {
            if t == tokens.count { return i == path.count }
            let key = t &* (path.count + 1) &+ i
            if failed.contains(key) { return false }
            var result = false
            switch tokens[t] {
            case .literal(let c):
                result = i < path.count && path[i] == c && go(t + 1, i + 1)
            case .one:
                result = i < path.count && path[i] != "/" && go(t + 1, i + 1)
            case .set(let negated, let ranges):
                if i < path.count {
                    let inSet = ranges.contains { $0.contains(path[i].value) }
                    result = inSet != negated && go(t + 1, i + 1)
                }
            case .star:
                var end = i
                while true {
                    if go(t + 1, end) {
                        result = true
                        break
                    }
                    if end == path.count || path[end] == "/" { break }
                    end += 1
                }
            case .anyDirectories:
                if go(t + 1, i) {
                    result = true
                } else {
                    var end = i
                    while end < path.count {
                        if path[end] == "/" && go(t + 1, end + 1) {
                            result = true
                            break
                        }
                        end += 1
                    }
                }
            case .anything:
                result = true
            }
            if !result { failed.insert(key) }
            return result
        }
        return go(0, 0)
    }

    /// Whether this pattern could match `directory` itself, a parent of it, or something below it.
    func mayMatchBelow(_ directory: [String]) -> Bool {
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for (index, part) in directory.enumerated() {
            guard index < segments.count else { return true }
            let segment = segments[index]
            if segment.contains("**") { return true }
            guard (try? PathMatch.matches(segment, part)) == true else {
                // A suffix pattern (`**name`) is handled above; anything else cannot reach here.
                return false
            }
        }
        return true
    }
}

/// Go's path.Clean for "/"-separated paths.
func cleanPath(_ path: String) -> String {
    if path.isEmpty { return "." }
    let rooted = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        switch part {
        case ".": continue
        case "..":
            if let last = parts.last, last != ".." {
                parts.removeLast()
            } else if !rooted {
                parts.append(part)
            }
        default: parts.append(part)
        }
    }
    let joined = parts.joined(separator: "/")
    if rooted { return "/" + joined }
    return joined.isEmpty ? "." : joined
}

extension String {
    /// strings.TrimSpace: Unicode white space trimmed from both ends.
    func trimmingGoSpace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
