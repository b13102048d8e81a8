import SwrunOS

/// Reads a Dockerfile's text into stages and instructions, in two passes as BuildKit does:
/// lines into nodes (directives, comments, continuations, heredocs), then nodes into
/// instructions.
struct DockerfileParser {
    let text: String
    let fileName: String

    func parse() throws -> Dockerfile {
        if text.isEmpty { throw SwrunError(.invalidArgument, "the \(fileName) cannot be empty") }
        let (nodes, directives) = try readNodes()
        var dockerfile = Dockerfile(directives: directives.values, escape: Character(directives.escape))
        for node in nodes {
            let parsed: ParsedLine
            do {
                parsed = try InstructionParser.parse(node)
            } catch {
                throw Self.error(line: node.line, error)
            }
            switch parsed {
            case .from(let from, let name):
                dockerfile.stages.append(Stage(index: dockerfile.stages.count, name: name, from: from))
            case .instruction(let instruction):
                if dockerfile.stages.isEmpty {
                    // ARGs before the first FROM are global; anything else needs a stage.
                    if case .arg(let args) = instruction.kind {
                        dockerfile.globalArgs += args
                        continue
                    }
                    throw Self.error(line: node.line, "no build stage in current context")
                }
                dockerfile.stages[dockerfile.stages.count - 1].instructions.append(instruction)
            }
        }
        if dockerfile.stages.isEmpty { throw SwrunError(.invalidArgument, "dockerfile contains no stages to build") }
        return dockerfile
    }

    /// Instructions without stages: ONBUILD triggers when they fire in a child build.
    func parseInstructions() throws -> [Instruction] {
        let (nodes, _) = try readNodes()
        return try nodes.map { node in
            do {
                switch try InstructionParser.parse(node) {
                case .instruction(let instruction): return instruction
                case .from: throw ParseFailure("FROM isn't allowed as an ONBUILD trigger")
                }
            } catch {
                throw Self.error(line: node.line, error)
            }
        }
    }

    static func error(line: Int, _ message: String) -> SwrunError {
        SwrunError(.invalidArgument, "dockerfile parse error on line \(line): \(message)")
    }

    /// Any failure while reading the line, with the line.
    static func error(line: Int, _ error: any Error) -> SwrunError {
        if let failure = error as? ParseFailure { return Self.error(line: line, failure.message) }
        if let swrun = error as? SwrunError { return Self.error(line: line, swrun.message) }
        return Self.error(line: line, "\(error)")
    }

    /// The file's lines, each with its line ending kept (heredoc bodies need them).
    func lines() -> [Substring] {
        var lines: [Substring] = []
        var rest = Substring(text)
        if rest.unicodeScalars.first == "\u{FEFF}" { rest = Substring(rest.unicodeScalars.dropFirst()) }
        while !rest.isEmpty {
            if let newline = rest.unicodeScalars.firstIndex(of: "\n") {
                let end = rest.unicodeScalars.index(after: newline)
                lines.append(rest[..<end])
                rest = rest[end...]
            } else {
                lines.append(rest)
                break
            }
        }
        return lines
    }

    /// The first pass: logical lines into nodes.
    func readNodes() throws -> ([DockerfileNode], ParserDirectives) {
        var directives = ParserDirectives()
        var nodes: [DockerfileNode] = []
        let lines = lines()
        var index = 0
        func fail(_ line: Int, _ error: any Error) -> SwrunError { Self.error(line: line, error) }

        while index < lines.count {
            let raw = lines[index]
            index += 1
            let startLine = index
            var first = trimNewline(raw).trimmingLeadingGoSpace()
            do {
                _ = try directives.consider(first)
            } catch {
                throw fail(startLine, error)
            }
            if isComment(first) { first = "" }
            var (joined, ended) = trimContinuation(first, escape: directives.escape)
            if ended && joined.isEmpty { continue }

            while !ended && index < lines.count {
                let next = trimNewline(lines[index])
                index += 1
                do {
                    _ = try directives.consider(next)
                } catch {
                    throw fail(index, error)
                }
                // Comment lines and blank lines inside a continuation are skipped.
                if isComment(next) { continue }
                if next.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { continue }
                let (part, end) = trimContinuation(next, escape: directives.escape)
                joined += part
                ended = end
            }

            var node: DockerfileNode
            do {
                node = try DockerfileNode(line: joined, escape: directives.escape)
            } catch {
                throw fail(startLine, error)
            }
            node.line = startLine

            if node.canContainHeredoc && joined.contains("<<") {
                let markers: [Heredoc]
                do {
                    markers = try Heredoc.markers(in: joined)
                } catch {
                    throw fail(startLine, error)
                }
                for var heredoc in markers {
                    var content = ""
                    var terminated = false
                    while index < lines.count {
                        let bodyLine = lines[index]
                        index += 1
                        var candidate = trimNewline(bodyLine)
                        if heredoc.chomp { candidate = String(candidate.drop { $0 == "\t" }) }
                        if candidate == heredoc.name {
                            terminated = true
                            break
                        }
                        content += bodyLine
                    }
                    if !terminated { throw Self.error(line: startLine, "unterminated heredoc") }
                    heredoc.content = content
                    node.heredocs.append(heredoc)
                }
            }
            nodes.append(node)
        }
        if nodes.isEmpty { throw SwrunError(.invalidArgument, "file with no instructions") }
        return (nodes, directives)
    }

    /// The line without its trailing "\r" and "\n" characters.
    func trimNewline(_ line: Substring) -> String {
        var scalars = line.unicodeScalars[...]
        while let last = scalars.last, last == "\n" || last == "\r" { scalars.removeLast() }
        return String(scalars)
    }

    func isComment(_ line: String) -> Bool {
        line.unicodeScalars.first { !$0.properties.isWhitespace } == "#"
    }

    /// A line whose last non-blank character is the escape character (not itself escaped)
    /// continues on the next line: the escape and the blanks after it are removed.
    func trimContinuation(_ line: String, escape: Unicode.Scalar) -> (String, ended: Bool) {
        var scalars = Array(line.unicodeScalars)
        var end = scalars.count
        while end > 0, scalars[end - 1] == " " || scalars[end - 1] == "\t" { end -= 1 }
        guard end > 0, scalars[end - 1] == escape else { return (line, true) }
        if end >= 2 && scalars[end - 2] == escape { return (line, true) }
        scalars.removeSubrange((end - 1)...)
        return (String(String.UnicodeScalarView(scalars)), false)
    }
}

extension Dockerfile {
    /// Instructions outside any stage, as ONBUILD triggers are read when they fire in a
    /// child build (FROM is refused there).
    public static func parseInstructions(_ text: String, fileName: String = "Dockerfile") throws -> [Instruction] {
        try DockerfileParser(text: text, fileName: fileName).parseInstructions()
    }
}
