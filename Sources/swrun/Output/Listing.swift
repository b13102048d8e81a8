import GoTemplate

/// A row of a listing (`ps`, `images`, `history`, `system df`, `search`): the fields
/// `--format` templates see, their column titles, and what `-q` prints.
protocol ListingRow {
    /// Column titles of fields in a `table` header (`ID` → `CONTAINER ID`); a field not named
    /// here is titled with its name upper-cased.
    static var titles: [String: String] { get }
    /// The row's fields as docker names them; long values are shortened unless `noTrunc`.
    func fields(noTrunc: Bool) -> TemplateFields
    /// What `-q` prints: by default the `ID` field, as docker's `{{.ID}}`.
    func quietValue(noTrunc: Bool) -> String
}

extension ListingRow {
    static var titles: [String: String] { [:] }

    func quietValue(noTrunc: Bool) -> String {
        guard case .string(let id)? = fields(noTrunc: noTrunc)["ID"] else { return "" }
        return id
    }
}

/// How a listing prints when `--format` does not say (absent, empty or a bare `table`).
enum ListingLayout: Sendable {
    /// A docker `table` template, aligned as Go's tabwriter does it.
    case template(String)
    /// Titled columns of fields, aligned by `Table` (`ps`'s own, narrower layout).
    case columns([(title: String, field: String)])
}

/// The output flags of a listing, applied in one place: `-q` prints each row's quiet value
/// (and wins over `--format`); `--format json` prints each row as a JSON object (keys
/// sorted, as docker's `{{json .}}` of a listing); `--format 'table TEMPLATE'` and a bare
/// template run through `TableFormat`; `--no-trunc` reaches every field and quiet value.
struct Listing {
    var format: String?
    var quiet = false
    var noTrunc = false
    /// The output without a format.
    var layout: ListingLayout

    /// The text of the listing of `rows`, every line ending in a newline.
    func render<Row: ListingRow>(_ rows: [Row]) throws -> String {
        if quiet {
            return rows.map { $0.quietValue(noTrunc: noTrunc) + "\n" }.joined()
        }
        let format = self.format ?? ""
        if format == "json" {
            return rows.map { TemplateValue.map($0.fields(noTrunc: noTrunc)).jsonString(escapeHTML: false) + "\n" }.joined()
        }
        let template: String
        if format.isEmpty || format == "table" {
            switch layout {
            case .template(let defaultTemplate):
                template = defaultTemplate
            case .columns(let columns):
                var table = Table(header: columns.map(\.title))
                for row in rows {
                    let fields = row.fields(noTrunc: noTrunc)
                    table.rows.append(columns.map { column in
                        if case .string(let text)? = fields[column.field] { text } else { "" }
                    })
                }
                return table.render() + "\n"
            }
        } else {
            template = format
        }
        return try TemplateFailure.listing.mapping {
            try TableFormat.render(format: template, rows: rows.map { .object($0.fields(noTrunc: noTrunc)) }, headers: Row.titles)
        }
    }

    /// Prints the listing of `rows` to stdout.
    func print<Row: ListingRow>(_ rows: [Row]) throws {
        Swift.print(try render(rows), terminator: "")
    }
}
