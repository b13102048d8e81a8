/// The parsed form of a template, shaped like Go's text/template/parse tree. Every node keeps
/// its byte offset so execution errors can say `:line:column` and print the node as Go does.
indirect enum TemplateNode: Sendable {
    case text(String)
    case action(Pipeline)
    case ifBlock(Branch)
    case withBlock(Branch)
    case rangeBlock(Branch)
    case breakLoop
    case continueLoop

    /// `if`, `with` and `range`: a pipeline, what runs when it holds, and an optional `else`.
    struct Branch: Sendable {
        let position: Int
        let pipeline: Pipeline
        let list: [TemplateNode]
        let elseList: [TemplateNode]?
    }
}

/// `$x := a | b arg | c`.
struct Pipeline: Sendable, CustomStringConvertible {
    let position: Int
    var declarations: [String] = []
    var isAssignment = false
    var commands: [Command] = []

    var description: String {
        var text = ""
        if !declarations.isEmpty {
            text = declarations.joined(separator: ", ") + (isAssignment ? " = " : " := ")
        }
        return text + commands.map(\.description).joined(separator: " | ")
    }
}

/// One stage of a pipeline: an operand, or a function with its arguments.
struct Command: Sendable, CustomStringConvertible {
    let position: Int
    var arguments: [Operand] = []

    var description: String {
        arguments.map { argument in
            if case .pipeline = argument { return "(\(argument))" }
            return argument.description
        }.joined(separator: " ")
    }
}

indirect enum Operand: Sendable, CustomStringConvertible {
    /// `.A.B`; an empty chain is never produced (that is `.dot`).
    case field([String], position: Int)
    /// `$x.A.B`; the first name includes the `$`.
    case variable(String, fields: [String], position: Int)
    case dot(position: Int)
    case nilValue(position: Int)
    case bool(Bool, position: Int)
    /// A number or character constant: `text` as written, `value` as Go's ideal constant becomes
    /// when passed to a function (an int unless it has a `.`, `e` or `p`).
    case number(TemplateValue, text: String, position: Int)
    case string(String, quoted: String, position: Int)
    case function(String, position: Int)
    case pipeline(Pipeline)
    /// `(pipeline).A.B` or `$x.A` after a parenthesised term.
    case chain(Operand, fields: [String], position: Int)

    var position: Int {
        switch self {
        case .field(_, let position), .variable(_, _, let position), .dot(let position), .nilValue(let position),
             .bool(_, let position), .number(_, _, let position), .string(_, _, let position),
             .function(_, let position), .chain(_, _, let position):
            position
        case .pipeline(let pipeline):
            pipeline.position
        }
    }

    var description: String {
        switch self {
        case .field(let names, _): names.map { "." + $0 }.joined()
        case .variable(let name, let fields, _): ([name] + fields).joined(separator: ".")
        case .dot: "."
        case .nilValue: "nil"
        case .bool(let value, _): value ? "true" : "false"
        case .number(_, let text, _): text
        case .string(_, let quoted, _): quoted
        case .function(let name, _): name
        case .pipeline(let pipeline): pipeline.description
        case .chain(let base, let fields, _):
            (base.isPipeline ? "(\(base))" : base.description) + fields.map { "." + $0 }.joined()
        }
    }

    var isPipeline: Bool {
        if case .pipeline = self { return true }
        return false
    }
}
