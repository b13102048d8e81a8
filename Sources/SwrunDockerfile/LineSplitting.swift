/// How BuildKit's parser cuts a logical line into the instruction, its `--flags` and its
/// arguments (frontend/dockerfile/parser: split_command.go, line_parsers.go).
enum LineSplitting {
    /// `[\t\v\f\r ]`: the blanks between words (a newline never occurs in a joined line).
    static func isBlank(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\u{0B}" || c == "\u{0C}" || c == "\r"
    }

    /// Splits on runs of blanks; an empty string gives no words.
    static func splitOnBlanks(_ text: String, maxParts: Int = .max) -> [String] {
        guard !text.isEmpty else { return [] }
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        while let c = scalars.first {
            if isBlank(c) && parts.count < maxParts - 1 {
                parts.append(String(current))
                current = String.UnicodeScalarView()
                while let b = scalars.first, isBlank(b) { scalars.removeFirst() }
                continue
            }
            current.append(c)
            scalars.removeFirst()
        }
        parts.append(String(current))
        return parts
    }

    /// The instruction word, the leading `--flags` (quotes and escapes resolved) and the
    /// rest of the line, trimmed.
    static func splitCommand(_ line: String, escape: Unicode.Scalar) -> (command: String, flags: [String], arguments: String) {
        let parts = splitOnBlanks(line.trimmingGoSpace(), maxParts: 2)
        guard let command = parts.first else { return ("", [], "") }
        guard parts.count == 2 else { return (command, [], "") }
        let (rest, flags) = extractFlags(parts[1], escape: escape)
        return (command, flags, rest.trimmingGoSpace())
    }

    /// Leading words that start with `--`; a bare `--` ends them.
    static func extractFlags(_ line: String, escape: Unicode.Scalar) -> (rest: String, flags: [String]) {
        let chars = Array(line.unicodeScalars)
        func rest(_ from: Int) -> String { String(String.UnicodeScalarView(chars[from...])) }
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word = String.UnicodeScalarView()
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var pos = 0
        while pos <= chars.count {
            let atEnd = pos == chars.count
            let ch: Unicode.Scalar = atEnd ? "\0" : chars[pos]
            if phase == .spaces {
                if atEnd { break }
                if ch.properties.isWhitespace {
                    pos += 1
                    continue
                }
                if ch != "-" || pos + 1 == chars.count || chars[pos + 1] != "-" {
                    return (rest(pos), words)
                }
                phase = .word
            }
            if atEnd {
                let text = String(word)
                if text != "--" && (blankOK || !text.isEmpty) { words.append(text) }
                break
            }
            if phase == .word {
                if ch.properties.isWhitespace {
                    let text = String(word)
                    phase = .spaces
                    if text == "--" { return (rest(pos), words) }
                    if blankOK || !text.isEmpty { words.append(text) }
                    word = String.UnicodeScalarView()
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                    pos += 1
                    continue
                }
                var c = ch
                if c == escape {
                    if pos + 1 == chars.count {
                        pos += 1
                        continue
                    }
                    pos += 1
                    c = chars[pos]
                }
                word.append(c)
                pos += 1
                continue
            }
            // In quotes.
            if ch == quote {
                phase = .word
                pos += 1
                continue
            }
            var c = ch
            if c == escape {
                if pos + 1 == chars.count {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                c = chars[pos]
            }
            word.append(c)
            pos += 1
        }
        return ("", words)
    }

    /// Words separated by white space with quotes kept (ARG, ENV and LABEL): they are
    /// removed later, when the values are expanded.
    static func parseWords(_ rest: String, escape: Unicode.Scalar) -> [String] {
        let chars = Array(rest.unicodeScalars)
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var quote: Unicode.Scalar = "\0"
        var blankOK = false
        var word = String.UnicodeScalarView()
        var pos = 0
        while pos <= chars.count {
            let atEnd = pos == chars.count
            let ch: Unicode.Scalar = atEnd ? "\0" : chars[pos]
            if phase == .spaces {
                if atEnd { break }
                if ch.properties.isWhitespace {
                    pos += 1
                    continue
                }
                phase = .word
            }
            if atEnd {
                if blankOK || !word.isEmpty { words.append(String(word)) }
                break
            }
            if phase == .word {
                if ch.properties.isWhitespace {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(String(word)) }
                    word = String.UnicodeScalarView()
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == "'" || ch == "\"" {
                    quote = ch
                    blankOK = true
                    phase = .quote
                }
                var c = ch
                if c == escape {
                    if pos + 1 == chars.count {
                        pos += 1
                        continue
                    }
                    // Outside quotes the escape and the character it escapes are both kept.
                    word.append(c)
                    pos += 1
                    c = chars[pos]
                }
                word.append(c)
                pos += 1
                continue
            }
            // In quotes: the escape works except inside single quotes.
            if ch == quote { phase = .word }
            var c = ch
            if c == escape && quote != "'" {
                if pos + 1 == chars.count {
                    phase = .word
                    pos += 1
                    continue
                }
                word.append(c)
                pos += 1
                c = chars[pos]
            }
            word.append(c)
            pos += 1
        }
        return words
    }
}
