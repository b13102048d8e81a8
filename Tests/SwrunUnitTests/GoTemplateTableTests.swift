import Testing
@testable import GoTemplate

/// docker's `table` formats: a header row, then the rows, through Go's tabwriter with minimum
/// width 10 and padding 3.
@Suite("GoTemplate tables")
struct GoTemplateTableTests {
    static let rows: [TemplateValue] = [
        ["ID": "abc", "Names": "web", "Status": "Up 2 minutes", "Ports": ""],
        ["ID": "defghijklmnop", "Names": "db-server-1", "Status": "Exited (0)", "Ports": "80/tcp"],
    ]
    static let headers = ["ID": "CONTAINER ID", "Names": "NAMES", "Status": "STATUS"]

    @Test("columns align to the widest cell plus three")
    func aligned() throws {
        let text = try TableFormat.render(format: #"table {{.ID}}\t{{.Names}}\t{{.Status}}"#, rows: Self.rows,
                                          headers: Self.headers)
        #expect(text == """
            CONTAINER ID    NAMES         STATUS
            abc             web           Up 2 minutes
            defghijklmnop   db-server-1   Exited (0)

            """)
    }

    @Test("narrow columns are at least ten wide; unknown fields are upper-cased")
    func minimumWidth() throws {
        let text = try TableFormat.render(format: #"table {{.Names}}\t{{.Ports}}\t{{.ID}}"#, rows: Self.rows,
                                          headers: Self.headers)
        #expect(text == """
            NAMES         PORTS     CONTAINER ID
            web                     abc
            db-server-1   80/tcp    defghijklmnop

            """)
    }

    @Test("a table with no rows is its header")
    func empty() throws {
        #expect(try TableFormat.render(format: "table {{.ID}}\\t{{.Names}}", rows: [], headers: Self.headers)
            == "CONTAINER ID   NAMES\n")
        #expect(try TableFormat.render(format: "table {{.ID}}", rows: [], headers: Self.headers) == "CONTAINER ID\n")
    }

    @Test("string functions leave the header alone")
    func headerFunctions() throws {
        let text = try TableFormat.render(format: #"table {{upper .Names}}\t{{json .ID}}\t{{truncate .Status 2}}"#,
                                          rows: Array(Self.rows.prefix(1)), headers: Self.headers)
        #expect(text == """
            NAMES     CONTAINER ID   STATUS
            WEB       "abc"          Up

            """)
    }

    @Test("formats without table keep their tabs and add a newline per row")
    func plain() throws {
        #expect(try TableFormat.render(format: #"{{.ID}}\t{{.Names}}"#, rows: Self.rows, headers: Self.headers)
            == "abc\tweb\ndefghijklmnop\tdb-server-1\n")
    }

    @Test("format text as docker prepares it", arguments: [
        ("table {{.ID}}\\t{{.Names}} ", "{{.ID}}\t{{.Names}}", true),
        ("  {{.ID}}\\n", "{{.ID}}\n", false),
        ("tablet", "t", true),
        ("{{json .}}", "{{json .}}", false),
    ])
    func templateText(_ format: String, _ expected: String, _ isTable: Bool) {
        #expect(TableFormat.templateText(format) == expected)
        #expect(TableFormat.isTable(format) == isTable)
    }

    @Test("tabwriter keeps blocks of lines separate")
    func tabwriterBlocks() {
        #expect(TabWriter.format("a\tb\nccc\td\nno tabs\nx\ty\n", minWidth: 0, padding: 1)
            == "a   b\nccc d\nno tabs\nx y\n")
        #expect(TabWriter.format("a\tb\tc\nlonger\td\n", minWidth: 0, padding: 2)
            == "a       b  c\nlonger  d\n")
    }

    @Test("row errors surface; bad formats fail before any output")
    func errors() {
        #expect(throws: TemplateError.self) {
            try TableFormat.render(format: "table {{.Nope}}", rows: Self.rows, headers: Self.headers)
        }
        #expect(throws: TemplateError.self) {
            try TableFormat.render(format: "table {{.ID", rows: [], headers: Self.headers)
        }
    }
}
