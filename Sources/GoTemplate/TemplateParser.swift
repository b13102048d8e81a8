/// Builds the node tree from tokens, following Go's text/template/parse: the same grammar, the
/// same checks (undefined variables and functions, `{{break}}` outside `{{range}}`), and the
/// same messages, prefixed `template: :LINE: `.
struct TemplateParser {
    private let tokens: [TemplateToken]
    private let functions: Set<String>
    private var index = 0
    private var line = 1
    private var variables = ["$"]
    private var rangeDepth = 0

    static func parse(_ text: String, functions: Set<String>) throws -> [TemplateNode] {
        var parser = TemplateParser(tokens: TemplateLexer.tokenize(text), functions: functions)
        return try parser.parseRoot()
    }

    private init(tokens: [TemplateToken], functions: Set<String>) {
        self.tokens = tokens
        self.functions = functions
    }

    /// What one `{{…}}` or run of text turned into.
    private enum Item {
        case node(TemplateNode)
        case end
        case orElse
        case comment
    }

    // MARK: Token access

    private mutating func next() -> TemplateToken {
        let token = tokens[min(index, tokens.count - 1)]
        if index < tokens.count { index += 1 }
        line = token.line
        return token
    }

    private mutating func backup() {
        index -= 1
    }

    private func peek() -> TemplateToken {
        tokens[min(index, tokens.count - 1)]
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var token = next()
        while token.kind == .space { token = next() }
        return token
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let token = nextNonSpace()
        backup()
        return token
    }

    private func error(_ message: String) -> TemplateError {
        TemplateError(.parse, "template: :\(line): \(message)")
    }

    private func unexpected(_ token: TemplateToken, _ context: String) -> TemplateError {
        if token.kind == .error { return error(token.text) }
        return error("unexpected \(token.description) in \(context)")
    }

    @discardableResult
    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws -> TemplateToken {
        let token = nextNonSpace()
        guard token.kind == kind else { throw unexpected(token, context) }
        return token
    }

    // MARK: Lists

    private mutating func parseRoot() throws -> [TemplateNode] {
        var root: [TemplateNode] = []
        while peek().kind != .eof {
            switch try textOrAction() {
            case .node(let node): root.append(node)
            case .end: throw error("unexpected {{end}}")
            case .orElse: throw error("unexpected {{else}}")
            case .comment: break
            }
        }
        return root
    }

    private mutating func itemList() throws -> (list: [TemplateNode], next: Item) {
        var list: [TemplateNode] = []
        while peekNonSpace().kind != .eof {
            let item = try textOrAction()
            switch item {
            case .node(let node): list.append(node)
            case .end, .orElse: return (list, item)
            case .comment: break
            }
        }
        throw error("unexpected EOF")
    }

    private mutating func textOrAction() throws -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .text: return .node(.text(token.text))
        case .leftDelim: return try action()
        case .comment: return .comment
        default: throw unexpected(token, "input")
        }
    }

    // MARK: Actions

    private mutating func action() throws -> Item {
        let token = nextNonSpace()
        switch token.kind {
        case .keyword(.block), .keyword(.define), .keyword(.template):
            throw error("{{\(token.text)}} is not supported")
        case .keyword(.break), .keyword(.continue):
            let closing = nextNonSpace()
            guard closing.kind == .rightDelim else { throw unexpected(closing, "{{\(token.text)}}") }
            guard rangeDepth > 0 else { throw error("{{\(token.text)}} outside {{range}}") }
            return .node(token.kind == .keyword(.break) ? .breakLoop : .continueLoop)
        case .keyword(.else):
            // `{{else if …}}` and `{{else with …}}` leave the keyword for the enclosing control.
            let following = peekNonSpace()
            if following.kind != .keyword(.if) && following.kind != .keyword(.with) {
                try expect(.rightDelim, "else")
            }
            return .orElse
        case .keyword(.end):
            try expect(.rightDelim, "end")
            return .end
        case .keyword(.if):
            return .node(.ifBlock(try control("if")))
        case .keyword(.range):
            return .node(.rangeBlock(try control("range")))
        case .keyword(.with):
            return .node(.withBlock(try control("with")))
        default:
            backup()
            // Variables declared here stay in scope until the enclosing control's {{end}}.
            return .node(.action(try pipeline("command", end: .rightDelim)))
        }
    }

    private mutating func control(_ context: String) throws -> TemplateNode.Branch {
        let scope = variables.count
        defer { variables.removeLast(variables.count - scope) }
        let pipe = try pipeline(context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, next) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: [TemplateNode]?
        if case .orElse = next {
            if context == "if" && peek().kind == .keyword(.if) {
                _ = self.next()
                elseList = [.ifBlock(try control("if"))]
            } else if context == "with" && peek().kind == .keyword(.with) {
                _ = self.next()
                elseList = [.withBlock(try control("with"))]
            } else {
                let (list, next) = try itemList()
                guard case .end = next else { throw error("expected end; found {{else}}") }
                elseList = list
            }
        }
        return TemplateNode.Branch(position: pipe.position, pipeline: pipe, list: list, elseList: elseList)
    }

    // MARK: Pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws -> Pipeline {
        var pipe = Pipeline(position: peekNonSpace().position)
        declarations: while peekNonSpace().kind == .variable {
            let variableIndex = index
            let variable = next()
            let following = peekNonSpace()
            if following.kind == .assign || following.kind == .declare {
                pipe.isAssignment = following.kind == .assign
                _ = nextNonSpace()
                pipe.declarations.append(variable.text)
                variables.append(variable.text)
            } else if following.kind == .char && following.text == "," {
                _ = nextNonSpace()
                pipe.declarations.append(variable.text)
                variables.append(variable.text)
                if context == "range" && pipe.declarations.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen:
                        continue declarations
                    default:
                        throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            } else {
                // An argument, not a declaration: read it again as an operand.
                index = variableIndex
            }
            break
        }
        while true {
            let token = nextNonSpace()
            switch token.kind {
            case end:
                try checkPipeline(pipe, context)
                return pipe
            case .bool, .charConstant, .dot, .field, .identifier, .number, .nilValue, .rawString, .string,
                 .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(token, context)
            }
        }
    }

    private func checkPipeline(_ pipe: Pipeline, _ context: String) throws {
        if pipe.commands.isEmpty { throw error("missing value for \(context)") }
        for (offset, command) in pipe.commands.enumerated().dropFirst() {
            switch command.arguments.first {
            case .bool, .dot, .nilValue, .number, .string:
                throw error("non executable command in pipeline stage \(offset + 1)")
            default:
                continue
            }
        }
    }

    private mutating func command() throws -> Command {
        var command = Command(position: peekNonSpace().position)
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { command.arguments.append(operand) }
            let token = next()
            switch token.kind {
            case .space:
                continue
            case .rightDelim, .rightParen:
                backup()
            case .pipe:
                break
            default:
                throw unexpected(token, "operand")
            }
            break
        }
        if command.arguments.isEmpty { throw error("empty command") }
        return command
    }

    private mutating func operand() throws -> Operand? {
        guard let term = try term() else { return nil }
        guard peek().kind == .field else { return term }
        let position = peek().position
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().text.dropFirst())) }
        switch term {
        case .field(let names, let position):
            return .field(names + fields, position: position)
        case .variable(let name, let names, let position):
            return .variable(name, fields: names + fields, position: position)
        case .bool, .string, .number, .nilValue, .dot:
            throw error("unexpected . after term \(GoFormatter.quote(term.description, delimiter: "\""))")
        default:
            return .chain(term, fields: fields, position: position)
        }
    }

    private mutating func term() throws -> Operand? {
        let token = nextNonSpace()
        switch token.kind {
        case .identifier:
            guard functions.contains(token.text) else { throw error("function \"\(token.text)\" not defined") }
            return .function(token.text, position: token.position)
        case .dot:
            return .dot(position: token.position)
        case .nilValue:
            return .nilValue(position: token.position)
        case .variable:
            guard variables.contains(token.text) else { throw error("undefined variable \"\(token.text)\"") }
            return .variable(token.text, fields: [], position: token.position)
        case .field:
            return .field([String(token.text.dropFirst())], position: token.position)
        case .bool:
            return .bool(token.text == "true", position: token.position)
        case .number, .charConstant:
            return .number(try number(token), text: token.text, position: token.position)
        case .leftParen:
            return .pipeline(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            return .string(try unquote(token), quoted: token.text, position: token.position)
        default:
            backup()
            return nil
        }
    }

    // MARK: Literals

    /// Go's ideal constant as a function receives it: a float when written with `.`, `e` or `p`
    /// (and not hex or a character), an int otherwise.
    private func number(_ token: TemplateToken) throws -> TemplateValue {
        let text = token.text
        if token.kind == .charConstant {
            guard let scalars = Self.unescape(Array(text.unicodeScalars.dropFirst().dropLast()), quote: "'") else {
                throw error("invalid syntax")
            }
            guard scalars.count == 1 else { throw error("malformed character constant: \(text)") }
            return .int(Int64(scalars[0].value))
        }
        let cleaned = text.replacingUnderscores()
        let negative = cleaned.hasPrefix("-")
        let unsigned = cleaned.hasPrefix("-") || cleaned.hasPrefix("+") ? String(cleaned.dropFirst()) : cleaned
        let lower = unsigned.lowercased()
        var radix = 10
        var digits = unsigned
        if lower.hasPrefix("0x") { radix = 16; digits = String(unsigned.dropFirst(2)) }
        else if lower.hasPrefix("0o") { radix = 8; digits = String(unsigned.dropFirst(2)) }
        else if lower.hasPrefix("0b") { radix = 2; digits = String(unsigned.dropFirst(2)) }
        else if unsigned.count > 1 && unsigned.hasPrefix("0") && unsigned.allSatisfy(\.isNumber) {
            radix = 8
            digits = String(unsigned.dropFirst())
        }
        if let magnitude = UInt64(digits, radix: radix) {
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { throw error("integer overflow: \(text)") }
                return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
            guard magnitude <= UInt64(Int64.max) else { throw error("\(text) overflows int") }
            return .int(Int64(magnitude))
        }
        if radix == 10, let value = Double(cleaned), value.isFinite {
            guard cleaned.contains(where: { ".eE".contains($0) }) else { throw error("integer overflow: \(text)") }
            return .double(value)
        }
        throw error("illegal number syntax: \(GoFormatter.quote(text, delimiter: "\""))")
    }

    /// strconv.Unquote for `"…"` and raw `` `…` `` strings.
    private func unquote(_ token: TemplateToken) throws -> String {
        let inner = Array(token.text.unicodeScalars.dropFirst().dropLast())
        if token.kind == .rawString {
            return String(String.UnicodeScalarView(inner.filter { $0 != "\r" }))
        }
        guard let scalars = Self.unescape(inner, quote: "\"") else { throw error("invalid syntax") }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The escapes of a Go string or character literal resolved; nil when one is malformed.
    private static func unescape(_ scalars: [Unicode.Scalar], quote: Unicode.Scalar) -> [Unicode.Scalar]? {
        var out: [Unicode.Scalar] = []
        var i = 0
        func hexValue(_ count: Int) -> UInt32? {
            guard i + count <= scalars.count,
                  let value = UInt32(String(String.UnicodeScalarView(scalars[i..<(i + count)])), radix: 16)
            else { return nil }
            i += count
            return value
        }
        while i < scalars.count {
            let scalar = scalars[i]
            i += 1
            if scalar == quote { return nil }
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard i < scalars.count else { return nil }
            let escape = scalars[i]
            i += 1
            switch escape {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "\\": out.append("\\")
            case quote: out.append(quote)
            case "x":
                // One byte; Go strings may hold any byte, Swift strings only valid UTF-8.
                guard let byte = hexValue(2) else { return nil }
                out.append(byte < 0x80 ? Unicode.Scalar(UInt8(byte)) : "\u{FFFD}")
            case "u":
                guard let code = hexValue(4), let value = Unicode.Scalar(code) else { return nil }
                out.append(value)
            case "U":
                guard let code = hexValue(8), let value = Unicode.Scalar(code) else { return nil }
                out.append(value)
            case "0"..."7":
                guard i + 2 <= scalars.count,
                      let value = UInt32(String(String.UnicodeScalarView([escape] + scalars[i..<(i + 2)])), radix: 8),
                      value < 256
                else { return nil }
                i += 2
                out.append(value < 0x80 ? Unicode.Scalar(UInt8(value)) : "\u{FFFD}")
            default:
                return nil
            }
        }
        return out
    }
}

private extension String {
    func replacingUnderscores() -> String { filter { $0 != "_" } }
}
