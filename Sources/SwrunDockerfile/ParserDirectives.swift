/// The parser directives at the top of a Dockerfile (`# syntax=`, `# escape=`, `# check=`):
/// read while lines look like directives, never after the first line that does not.
struct ParserDirectives {
    static let known: Set<String> = ["syntax", "escape", "check"]

    private(set) var values: [String: String] = [:]
    private(set) var escape: Unicode.Scalar = "\\"
    private var done = false

    /// Looks at one line (leading white space already trimmed on an instruction's first
    /// line); true when it was a directive.
    mutating func consider(_ line: String) throws -> Bool {
        if done { return false }
        guard line.hasPrefix("#") else {
            done = true
            return false
        }
        let body = String(line.dropFirst()).trimmingLeadingGoSpace()
        // ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$
        let scalars = Array(body.unicodeScalars)
        var i = 0
        func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\u{0C}" || c == "\r" }
        guard i < scalars.count, isLetter(scalars[i]) else {
            done = true
            return false
        }
        while i < scalars.count, isLetter(scalars[i]) || (scalars[i] >= "0" && scalars[i] <= "9") { i += 1 }
        let key = String(String.UnicodeScalarView(scalars[..<i])).lowercased()
        while i < scalars.count, isSpace(scalars[i]) { i += 1 }
        guard i < scalars.count, scalars[i] == "=" else {
            done = true
            return false
        }
        i += 1
        while i < scalars.count, isSpace(scalars[i]) { i += 1 }
        var end = scalars.count
        while end > i, isSpace(scalars[end - 1]) { end -= 1 }
        guard end > i, Self.known.contains(key) else {
            done = true
            return false
        }
        if values[key] != nil { throw ParseFailure("only one \(key) parser directive can be used") }
        let value = String(String.UnicodeScalarView(scalars[i..<end]))
        values[key] = value
        if key == "escape" {
            guard value == "`" || value == "\\" else {
                throw ParseFailure("invalid escape token '\(value)' does not match ` or \\")
            }
            escape = value.unicodeScalars.first!
        }
        return true
    }
}

extension String {
    func trimmingLeadingGoSpace() -> String {
        String(unicodeScalars.drop { $0.properties.isWhitespace })
    }
}
