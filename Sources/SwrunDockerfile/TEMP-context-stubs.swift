// TEMPORARY (helper "context"): minimal working IgnorePatterns and PathMatch so that
// SwrunBuild/Context compiles and its tests run before the dockerfile helper's real
// ones land. The lead deletes this file at merge.

import SwrunOS

/// `.dockerignore` patterns (a minimal stand-in: segments, `**`, `!`, last match wins,
/// a pattern that matches a directory excludes what is under it).
public struct IgnorePatterns: Sendable {
    private struct Pattern: Sendable { var segments: [String]; var exception: Bool }
    private var patterns: [Pattern] = []

    public init(parsing text: String) throws {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasPrefix("#") { continue }
            line = String(line.drop(while: { $0 == " " || $0 == "\t" }))
            while line.hasSuffix(" ") || line.hasSuffix("\t") { line.removeLast() }
            if line.isEmpty { continue }
            var exception = false
            if line.hasPrefix("!") {
                exception = true
                line.removeFirst()
            }
            var segments: [String] = []
            for part in line.split(separator: "/") where part != "." {
                if part == ".." { _ = segments.popLast() } else { segments.append(String(part)) }
            }
            if segments.isEmpty { continue }
            patterns.append(Pattern(segments: segments, exception: exception))
        }
    }

    public var isEmpty: Bool { patterns.isEmpty }

    public func excludes(_ path: String) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        var excluded = false
        for pattern in patterns where pattern.exception == excluded {
            let hit = (1...max(parts.count, 1)).contains { Self.match(pattern.segments[...], parts.prefix($0)) }
            if hit { excluded = !pattern.exception }
        }
        return excluded
    }

    public func hasExceptions(under path: String) -> Bool {
        patterns.contains { $0.exception }
    }

    private static func match(_ pattern: ArraySlice<String>, _ name: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return name.isEmpty }
        if first == "**" {
            for skip in 0...name.count where match(pattern.dropFirst(), name.dropFirst(skip)) { return true }
            return false
        }
        guard let part = name.first, (try? PathMatch.matches(first, part)) == true else { return false }
        return match(pattern.dropFirst(), name.dropFirst())
    }
}

/// Go's filepath.Match (a minimal stand-in).
public enum PathMatch {
    public static func matches(_ pattern: String, _ name: String) throws -> Bool {
        try match(Array(pattern.utf8)[...], Array(name.utf8)[...])
    }

    private static func match(_ p: ArraySlice<UInt8>, _ n: ArraySlice<UInt8>) throws -> Bool {
        var p = p
        var n = n
        while let c = p.first {
            switch c {
            case UInt8(ascii: "*"):
                let rest = p.dropFirst()
                var candidate = n
                while true {
                    if try match(rest, candidate) { return true }
                    guard let f = candidate.first, f != UInt8(ascii: "/") else { return false }
                    candidate = candidate.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard let f = n.first, f != UInt8(ascii: "/") else { return false }
                p = p.dropFirst(); n = n.dropFirst()
            case UInt8(ascii: "["):
                guard let f = n.first, f != UInt8(ascii: "/") else { return false }
                var q = p.dropFirst()
                var negate = false
                if q.first == UInt8(ascii: "^") { negate = true; q = q.dropFirst() }
                var matched = false
                var first = true
                while true {
                    guard var lo = q.first else { throw badPattern }
                    if lo == UInt8(ascii: "]") && !first { q = q.dropFirst(); break }
                    first = false
                    q = q.dropFirst()
                    if lo == UInt8(ascii: "\\") { guard let e = q.first else { throw badPattern }; lo = e; q = q.dropFirst() }
                    var hi = lo
                    if q.first == UInt8(ascii: "-"), let h = q.dropFirst().first, h != UInt8(ascii: "]") {
                        q = q.dropFirst(2)
                        hi = h
                        if h == UInt8(ascii: "\\") { guard let e = q.first else { throw badPattern }; hi = e; q = q.dropFirst() }
                    }
                    if lo <= f && f <= hi { matched = true }
                }
                guard matched != negate else { return false }
                p = q; n = n.dropFirst()
            case UInt8(ascii: "\\"):
                p = p.dropFirst()
                guard let e = p.first else { throw badPattern }
                guard n.first == e else { return false }
                p = p.dropFirst(); n = n.dropFirst()
            default:
                guard n.first == c else { return false }
                p = p.dropFirst(); n = n.dropFirst()
            }
        }
        return n.isEmpty
    }

    private static var badPattern: SwrunError { SwrunError(.invalidArgument, "syntax error in pattern") }
}
