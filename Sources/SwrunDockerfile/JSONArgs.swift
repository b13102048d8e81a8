/// The exec form `["a", "b"]`: a JSON array of strings, strictly as Go's encoding/json reads it.
enum JSONArgs {
    enum Outcome: Equatable {
        /// Not a JSON array: the arguments are shell form.
        case notJSON
        /// Valid JSON, but not all strings: an error in BuildKit.
        case notStrings
        case strings([String])
    }

    static func parse(_ text: String) -> Outcome {
        var reader = Reader(Array(text.unicodeScalars))
        reader.skipSpace(unicode: true)
        guard reader.peek == "[" else { return .notJSON }
        guard let value = reader.value() else { return .notJSON }
        reader.skipSpace(unicode: false)
        guard reader.atEnd, case .array(let items) = value else { return .notJSON }
        var strings: [String] = []
        for item in items {
            guard case .string(let s) = item else { return .notStrings }
            strings.append(s)
        }
        return .strings(strings)
    }

    enum Value {
        case string(String)
        case array([Value])
        case other
    }

    struct Reader {
        let chars: [Unicode.Scalar]
        var pos = 0
        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        var atEnd: Bool { pos == chars.count }
        var peek: Unicode.Scalar? { pos < chars.count ? chars[pos] : nil }

        /// JSON's own white space, or (before the array) any Unicode space, as BuildKit trims it.
        mutating func skipSpace(unicode: Bool) {
            while let c = peek, unicode ? c.properties.isWhitespace : (c == " " || c == "\t" || c == "\n" || c == "\r") {
                pos += 1
            }
        }

        mutating func value() -> Value? {
            skipSpace(unicode: false)
            guard let c = peek else { return nil }
            switch c {
            case "[":
                pos += 1
                var items: [Value] = []
                skipSpace(unicode: false)
                if peek == "]" {
                    pos += 1
                    return .array(items)
                }
                while true {
                    guard let item = value() else { return nil }
                    items.append(item)
                    skipSpace(unicode: false)
                    switch peek {
                    case ",": pos += 1
                    case "]":
                        pos += 1
                        return .array(items)
                    default: return nil
                    }
                }
            case "{":
                pos += 1
                skipSpace(unicode: false)
                if peek == "}" {
                    pos += 1
                    return .other
                }
                while true {
                    skipSpace(unicode: false)
                    guard peek == "\"", string() != nil else { return nil }
                    skipSpace(unicode: false)
                    guard peek == ":" else { return nil }
                    pos += 1
                    guard value() != nil else { return nil }
                    skipSpace(unicode: false)
                    switch peek {
                    case ",": pos += 1
                    case "}":
                        pos += 1
                        return .other
                    default: return nil
                    }
                }
            case "\"":
                return string().map { .string($0) }
            case "t": return literal("true")
            case "f": return literal("false")
            case "n": return literal("null")
            default:
                return number()
            }
        }

        mutating func literal(_ word: String) -> Value? {
            for expected in word.unicodeScalars {
                guard peek == expected else { return nil }
                pos += 1
            }
            return .other
        }

        mutating func number() -> Value? {
            func digits() -> Int {
                let start = pos
                while let c = peek, c >= "0" && c <= "9" { pos += 1 }
                return pos - start
            }
            if peek == "-" { pos += 1 }
            if peek == "0" {
                pos += 1
            } else if let c = peek, c >= "1" && c <= "9" {
                _ = digits()
            } else {
                return nil
            }
            if peek == "." {
                pos += 1
                guard digits() > 0 else { return nil }
            }
            if peek == "e" || peek == "E" {
                pos += 1
                if peek == "+" || peek == "-" { pos += 1 }
                guard digits() > 0 else { return nil }
            }
            return .other
        }

        mutating func hex4() -> UInt32? {
            guard pos + 4 <= chars.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Int(String(chars[pos]), radix: 16) else { return nil }
                value = value * 16 + UInt32(digit)
                pos += 1
            }
            return value
        }

        mutating func string() -> String? {
            pos += 1  // opening quote
            var out = String.UnicodeScalarView()
            while let c = peek {
                pos += 1
                switch c {
                case "\"": return String(out)
                case "\\":
                    guard let e = peek else { return nil }
                    pos += 1
                    switch e {
                    case "\"", "\\", "/": out.append(e)
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "u":
                        guard let unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit), peek == "\\", pos + 1 < chars.count, chars[pos + 1] == "u" {
                            let save = pos
                            pos += 2
                            if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                                out.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
                                continue
                            }
                            pos = save
                        }
                        // A lone surrogate becomes U+FFFD, as in Go.
                        out.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                    default: return nil
                    }
                default:
                    if c.value < 0x20 { return nil }
                    out.append(c)
                }
            }
            return nil
        }
    }
}
