import SwrunOS

/// Go's filepath.Match on "/"-separated paths (used by COPY wildcards too): `*` any run
/// of characters but "/", `?` one character but "/", `[a-z]`/`[^a-z]` classes, `\x` the
/// character x. Throws `syntax error in pattern` (Go's ErrBadPattern) on a malformed
/// pattern, also when the name fails to match before the bad part is reached.
public enum PathMatch {
    public static func matches(_ pattern: String, _ name: String) throws -> Bool {
        var pattern = pattern.unicodeScalars[...]
        var name = name.unicodeScalars[...]
        patternLoop: while !pattern.isEmpty {
            let (star, chunk, rest) = scanChunk(pattern)
            pattern = rest
            if star && chunk.isEmpty {
                // A trailing `*` matches the rest unless it holds a separator.
                return !name.contains("/")
            }
            // Try the chunk at the current position.
            let (remainder, ok) = try matchChunk(chunk, name)
            if ok && (remainder.isEmpty || !pattern.isEmpty) {
                name = remainder
                continue
            }
            if star {
                // Let the star take 1, 2, … characters (never a separator).
                var index = name.startIndex
                while index < name.endIndex, name[index] != "/" {
                    index = name.index(after: index)
                    let (remainder, ok) = try matchChunk(chunk, name[index...])
                    if ok {
                        if pattern.isEmpty && !remainder.isEmpty { continue }
                        name = remainder
                        continue patternLoop
                    }
                }
            }
            // No match: still report a malformed rest of the pattern, as Go does.
            while !pattern.isEmpty {
                let (_, chunk, rest) = scanChunk(pattern)
                pattern = rest
                _ = try matchChunk(chunk, Substring().unicodeScalars)
            }
            return false
        }
        return name.isEmpty
    }

    typealias Scalars = Substring.UnicodeScalarView

    static let badPattern = SwrunError(.invalidArgument, "syntax error in pattern")

    /// Leading stars, then the pattern up to the next star outside brackets.
    static func scanChunk(_ pattern: Scalars) -> (star: Bool, chunk: Scalars, rest: Scalars) {
        var pattern = pattern
        var star = false
        while pattern.first == "*" {
            pattern.removeFirst()
            star = true
        }
        var inRange = false
        var index = pattern.startIndex
        scan: while index < pattern.endIndex {
            switch pattern[index] {
            case "\\":
                let next = pattern.index(after: index)
                if next < pattern.endIndex { index = next }
            case "[": inRange = true
            case "]": inRange = false
            case "*": if !inRange { break scan }
            default: break
            }
            index = pattern.index(after: index)
        }
        return (star, pattern[..<index], pattern[index...])
    }

    /// Matches `chunk` (no stars) at the start of `s`: what is left of `s`, and whether it matched.
    static func matchChunk(_ chunk: Scalars, _ s: Scalars) throws -> (Scalars, Bool) {
        var chunk = chunk
        var s = s
        // After a mismatch the rest of the chunk is still parsed to find syntax errors.
        var failed = false
        while let c = chunk.first {
            if !failed && s.isEmpty { failed = true }
            switch c {
            case "[":
                var r: Unicode.Scalar = "\0"
                if !failed { r = s.removeFirst() }
                chunk.removeFirst()
                var negated = false
                if chunk.first == "^" {
                    negated = true
                    chunk.removeFirst()
                }
                var matched = false
                var ranges = 0
                while true {
                    if chunk.first == "]" && ranges > 0 {
                        chunk.removeFirst()
                        break
                    }
                    let lo = try escapedScalar(&chunk)
                    var hi = lo
                    if chunk.first == "-" {
                        chunk.removeFirst()
                        hi = try escapedScalar(&chunk)
                    }
                    if lo.value <= r.value && r.value <= hi.value { matched = true }
                    ranges += 1
                }
                if matched == negated { failed = true }
            case "?":
                if !failed {
                    if s.first == "/" { failed = true }
                    s.removeFirst()
                }
                chunk.removeFirst()
            default:
                if c == "\\" {
                    chunk.removeFirst()
                    if chunk.isEmpty { throw badPattern }
                }
                if !failed {
                    if chunk.first != s.first { failed = true }
                    s.removeFirst()
                }
                chunk.removeFirst()
            }
        }
        return failed ? (s, false) : (s, true)
    }

    /// One character of a bracket expression, `\x` taken as x; a bracket left open is an error.
    static func escapedScalar(_ chunk: inout Scalars) throws -> Unicode.Scalar {
        guard let first = chunk.first, first != "-", first != "]" else { throw badPattern }
        if first == "\\" {
            chunk.removeFirst()
            guard !chunk.isEmpty else { throw badPattern }
        }
        let scalar = chunk.removeFirst()
        if chunk.isEmpty { throw badPattern }
        return scalar
    }
}
