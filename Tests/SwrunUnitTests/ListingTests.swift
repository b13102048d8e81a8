import GoTemplate
import Testing
@testable import swrun

/// The one renderer of `ps`, `images`, `history`, `system df` and `search`.
@Suite struct ListingTests {
    struct Row: ListingRow {
        var id: String
        var name: String

        static let titles = ["ID": "THING ID", "Name": "NAME"]

        func fields(noTrunc: Bool) -> TemplateFields {
            ["ID": .string(noTrunc ? id : String(id.prefix(4))), "Name": .string(name), "Note": "<b>&"]
        }
    }

    let rows = [Row(id: "abcdef", name: "first"), Row(id: "123456", name: "second one")]
    let template = ListingLayout.template("table {{.ID}}\\t{{.Name}}")
    let columns = ListingLayout.columns([("THING ID", "ID"), ("NAME", "Name")])

    @Test func quietPrintsTheIDFieldAndWinsOverFormat() throws {
        #expect(try Listing(quiet: true, layout: template).render(rows) == "abcd\n1234\n")
        #expect(try Listing(format: "{{.Name}}", quiet: true, noTrunc: true, layout: template).render(rows) == "abcdef\n123456\n")
        #expect(try Listing(quiet: true, layout: template).render([Row]()) == "")
    }

    @Test func defaultTableTemplateIsAlignedAsTabwriter() throws {
        let expected = "THING ID   NAME\nabcd       first\n1234       second one\n"
        #expect(try Listing(layout: template).render(rows) == expected)
        // Empty and bare `table` formats mean the default, as docker's.
        #expect(try Listing(format: "", layout: template).render(rows) == expected)
        #expect(try Listing(format: "table", layout: template).render(rows) == expected)
        #expect(try Listing(layout: template).render([Row]()) == "THING ID   NAME\n")
    }

    @Test func defaultColumnsAreAlignedByTable() throws {
        let expected = "THING ID   NAME\nabcd       first\n1234       second one\n"
        #expect(try Listing(layout: columns).render(rows) == expected)
        #expect(try Listing(noTrunc: true, layout: columns).render(rows)
            == "THING ID   NAME\nabcdef     first\n123456     second one\n")
        #expect(try Listing(layout: columns).render([Row]()) == "THING ID   NAME\n")
    }

    @Test func customTableTemplateTitlesItsColumns() throws {
        #expect(try Listing(format: "table {{.Name}}\\t{{.Note}}|{{.ID}}", layout: columns).render(rows)
            == "NAME         NOTE|THING ID\nfirst        <b>&|abcd\nsecond one   <b>&|1234\n")
    }

    @Test func bareTemplateRunsOncePerRow() throws {
        #expect(try Listing(format: "{{.ID}}:{{.Name}}", layout: columns).render(rows) == "abcd:first\n1234:second one\n")
        #expect(try Listing(format: "{{.ID}}", noTrunc: true, layout: columns).render(rows) == "abcdef\n123456\n")
    }

    @Test func jsonPrintsEachRowWithSortedKeys() throws {
        #expect(try Listing(format: "json", layout: columns).render(rows)
            == #"{"ID":"abcd","Name":"first","Note":"<b>&"}"# + "\n" + #"{"ID":"1234","Name":"second one","Note":"<b>&"}"# + "\n")
        #expect(try Listing(format: "json", noTrunc: true, layout: columns).render([rows[0]])
            == #"{"ID":"abcdef","Name":"first","Note":"<b>&"}"# + "\n")
    }

    @Test("a template that fails is swrun's error (125) worded as docker's", arguments: ["{{.ID", "{{.Missing}}", "{{nope}}"])
    func templateFailures(_ format: String) {
        #expect {
            try Listing(format: format, layout: columns).render(rows)
        } throws: { error in
            guard let failure = error as? CommandFailure else { return false }
            return failure.exitCode == 125 && failure.message.hasPrefix("template parsing error: template: ")
        }
    }

    @Test func inspectFailuresKeepDockersExitCodes() throws {
        let error = TemplateError(.parse, "template: :1: unclosed action")
        #expect(TemplateFailure.inspectParse.failure(error).exitCode == 64)
        #expect(TemplateFailure.inspectRender.failure(error).exitCode == 1)
        #expect(TemplateFailure.inspectParse.failure(error).message == "Template parsing error: template: :1: unclosed action")
        #expect(TemplateFailure.listing.failure(error).message == "template parsing error: template: :1: unclosed action")
        #expect(throws: Never.self) { try TemplateFailure.listing.mapping { 1 } }
    }
}
