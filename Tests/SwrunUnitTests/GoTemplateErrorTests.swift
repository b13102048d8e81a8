import Testing
@testable import GoTemplate

/// Messages follow Go's text/template; struct types are named `struct` since the data carry no
/// Go type names.
@Suite("GoTemplate errors")
struct GoTemplateErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let template: String
        let message: String
        var testDescription: String { template }
        init(_ template: String, _ message: String) {
            self.template = template
            self.message = message
        }
    }

    static let parseErrors: [Case] = [
        Case("{{.Id", "template: :1: unclosed action"),
        // The lexer stops at a lone `}` right after a field name.
        Case("{{.Id}", "template: :1: bad character U+007D '}'"),
        Case("{{.Id }x}}", #"template: :1: unexpected "}" in operand"#),
        Case("{{ } }}", #"template: :1: unexpected "}" in command"#),
        Case("{{foo}}", #"template: :1: function "foo" not defined"#),
        Case("{{if .Id}}", "template: :1: unexpected EOF"),
        Case("{{end}}", "template: :1: unexpected {{end}}"),
        Case("{{else}}", "template: :1: unexpected {{else}}"),
        Case("{{$x}}", #"template: :1: undefined variable "$x""#),
        Case("{{break}}", "template: :1: {{break}} outside {{range}}"),
        Case("{{}}", "template: :1: missing value for command"),
        Case("{{range}}{{end}}", "template: :1: missing value for range"),
        Case("{{1 | 2}}", "template: :1: non executable command in pipeline stage 2"),
        Case("{{template \"x\"}}", "template: :1: {{template}} is not supported"),
        Case("{{\"abc}}", "template: :1: unterminated quoted string"),
        Case("{{/* open", "template: :1: unclosed comment"),
        Case("{{(.Id}}", "template: :1: unclosed left paren"),
        // The `)` token reaches the parser before the lexer's complaint about it.
        Case("{{.Id)}}", #"template: :1: unexpected ")" in command"#),
        Case("{{3x}}", #"template: :1: bad number syntax: "3x""#),
        Case("{{\"a\".b}}", #"template: :1: unexpected . after term "\"a\"""#),
        Case("line1\n{{if}}", "template: :2: missing value for if"),
        Case("{{\"\\q\"}}", "template: :1: invalid syntax"),
    ]

    static let executionErrors: [Case] = [
        Case("{{.Foo}}", #"template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type struct"#),
        Case("{{.State.Foo}}", #"template: :1:2: executing "" at <.State.Foo>: can't evaluate field Foo in type struct"#),
        Case("{{.State.Health.Status}}",
             #"template: :1:2: executing "" at <.State.Health.Status>: nil pointer evaluating interface {}.Status"#),
        Case("{{.Id.Foo}}", #"template: :1:2: executing "" at <.Id.Foo>: can't evaluate field Foo in type string"#),
        Case("{{range .Id}}{{end}}", #"template: :1:8: executing "" at <.Id>: range can't iterate over abc123"#),
        Case("{{index .RepoTags 5}}",
             #"template: :1:2: executing "" at <index .RepoTags 5>: error calling index: index out of range: 5"#),
        Case("{{join .Id \",\"}}",
             #"template: :1:7: executing "" at <.Id>: wrong type for value; expected []string; got string"#),
        Case("{{len}}", #"template: :1:2: executing "" at <len>: wrong number of args for len: want 1 got 0"#),
        Case("{{printf}}", #"template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0"#),
        Case("{{\"a\" 1}}", #"template: :1:2: executing "" at <"a">: can't give argument to non-function "a""#),
        Case("{{eq 1 \"a\"}}", #"template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison"#),
        Case("{{lt true false}}", #"template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison"#),
        Case("{{len .State}}", #"template: :1:2: executing "" at <len .State>: error calling len: len of type struct"#),
        Case("{{.Id | .State}}",
             #"template: :1:8: executing "" at <.State>: State has arguments but cannot be invoked as function"#),
        Case("{{call .Id}}", #"template: :1:2: executing "" at <call .Id>: error calling call: non-function of type string"#),
        Case("{{range $i, $e := 3}}{{end}}",
             #"template: :1:18: executing "" at <3>: can't use 3 to iterate over more than one variable"#),
        Case("line1\n  {{.Foo}}", #"template: :2:4: executing "" at <.Foo>: can't evaluate field Foo in type struct"#),
    ]

    @Test("syntax errors are one-line parse errors", arguments: parseErrors)
    func parseError(_ c: Case) {
        #expect {
            try GoTemplate(c.template)
        } throws: { error in
            guard let error = error as? TemplateError else { return false }
            return error.code == .parse && error.message == c.message
        }
    }

    @Test("runtime errors name the node that failed", arguments: executionErrors)
    func executionError(_ c: Case) throws {
        let template = try GoTemplate(c.template)
        #expect {
            try template.render(GoTemplateTests.container)
        } throws: { error in
            guard let error = error as? TemplateError else { return false }
            return error.code == .execution && error.message == c.message && !error.description.contains("\n")
        }
    }
}
