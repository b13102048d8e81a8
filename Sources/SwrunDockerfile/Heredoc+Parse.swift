extension Heredoc {
    /// The heredoc a word starts (`<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`), or nil: BuildKit's
    /// `^(\d*)<<(-?)\s*([^<]*)$` then a check that the rest is one shell word. The
    /// content is empty; the parser reads it from the following lines.
    static func marker(_ word: String) throws -> Heredoc? {
        var s = word.unicodeScalars[...]
        while let c = s.first, c >= "0" && c <= "9" { s.removeFirst() }
        guard s.starts(with: "<<".unicodeScalars) else { return nil }
        s.removeFirst(2)
        let chomp = s.first == "-"
        if chomp { s.removeFirst() }
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\u{0C}" || c == "\r" { s.removeFirst() }
        guard !s.contains("<") else { return nil }
        let rest = String(s)
        if rest.isEmpty { return nil }

        var lex = ShellLex()
        lex.skipUnsetEnv = true
        let words = try lex.processWords(rest, [:])
        guard words.count == 1 else { return nil }
        lex.rawQuotes = true
        let rawWords = try lex.processWords(rest, [:])
        guard rawWords.count == 1 else {
            throw ParseFailure("internal lexing of heredoc produced inconsistent results: \(rest)")
        }
        // Quotes anywhere in the word (removed in one reading, kept in the other) turn
        // expansion off, as in the shell.
        func quotes(_ s: String) -> Int { s.unicodeScalars.filter { $0 == "'" || $0 == "\"" }.count }
        return Heredoc(name: words[0], content: "", expand: quotes(words[0]) == quotes(rawWords[0]), chomp: chomp)
    }

    /// Every heredoc a logical line opens, in order.
    static func markers(in line: String) throws -> [Heredoc] {
        var lex = ShellLex()
        lex.rawQuotes = true
        lex.rawEscapes = true
        lex.skipUnsetEnv = true
        let words = (try? lex.processWords(line, [:])) ?? []
        return try words.compactMap { try marker($0) }
    }

    /// `<<-`: leading tabs removed from every line.
    static func chomped(_ content: String) -> String {
        var out = ""
        var atLineStart = true
        for c in content.unicodeScalars {
            if atLineStart && c == "\t" { continue }
            atLineStart = c == "\n"
            out.unicodeScalars.append(c)
        }
        return out
    }
}
