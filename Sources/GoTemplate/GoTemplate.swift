/// A Go `text/template`, the subset docker's `--format` uses: text and `{{actions}}` with `{{-`/`-}}`
/// trimming, fields, `$` and declared variables, pipelines, parenthesised pipelines, `if`/`else
/// if`/`else`, `with`, `range` (with `break`/`continue`), Go's builtin functions and docker's
/// (`json`, `join`, `split`, `title`, `lower`, `upper`, `pad`, `truncate`).
///
///     let template = try GoTemplate("{{.State.Status}} {{join .Config.Cmd \",\"}}")
///     let text = try template.render(inspectData)
///
/// `define`, `template` and `block` are refused; values have no methods, so `call` always fails.
public struct GoTemplate: Sendable {
    public let source: String
    let nodes: [TemplateNode]

    /// Parses `source`; a syntax error is a one-line `TemplateError` such as
    /// `template: :1: function "foo" not defined`.
    public init(_ source: String) throws {
        self.source = source
        nodes = try TemplateParser.parse(source, functions: TemplateFunctions.names)
    }

    /// Runs the template against `data`.
    public func render(_ data: TemplateValue) throws -> String {
        try render(data, mode: .standard)
    }

    func render(_ data: TemplateValue, mode: TemplateFunctions.Mode) throws -> String {
        var executor = TemplateExecutor(source: source, data: data, mode: mode)
        _ = try executor.walk(nodes, dot: data)
        return executor.output
    }

    /// What was written before a failure, or everything.
    func renderPartially(_ data: TemplateValue, mode: TemplateFunctions.Mode) -> String {
        var executor = TemplateExecutor(source: source, data: data, mode: mode)
        _ = try? executor.walk(nodes, dot: data)
        return executor.output
    }

    /// The first field name of every field chain on dot (`.ID`, `.Labels.x` → `Labels`), in order of
    /// appearance: the columns of a docker table format.
    var fieldNames: [String] {
        var names: [String] = []
        func visit(_ operand: Operand) {
            switch operand {
            case .field(let fieldNames, _):
                if let first = fieldNames.first, !names.contains(first) { names.append(first) }
            case .pipeline(let pipeline):
                visit(pipeline)
            case .chain(let base, _, _):
                visit(base)
            default:
                break
            }
        }
        func visit(_ pipeline: Pipeline) {
            for command in pipeline.commands {
                command.arguments.forEach(visit)
            }
        }
        func visit(_ list: [TemplateNode]) {
            for node in list {
                switch node {
                case .action(let pipeline):
                    visit(pipeline)
                case .ifBlock(let branch), .withBlock(let branch), .rangeBlock(let branch):
                    visit(branch.pipeline)
                    visit(branch.list)
                    visit(branch.elseList ?? [])
                case .text, .breakLoop, .continueLoop:
                    break
                }
            }
        }
        visit(nodes)
        return names
    }
}
