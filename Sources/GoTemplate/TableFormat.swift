import Foundation

/// docker's `--format` handling around the template: `\t` and `\n` escapes, and the `table`
/// prefix, which adds a header row and aligns columns (Go tabwriter: minimum width 10, padding 3).
public enum TableFormat {
    /// Whether the format starts with `table`, as docker checks it.
    public static func isTable(_ format: String) -> Bool {
        format.hasPrefix("table")
    }

    /// The template text docker runs: without the `table` prefix, spaces trimmed from both ends,
    /// and the two-character escapes `\t` and `\n` turned into a tab and a newline.
    public static func templateText(_ format: String) -> String {
        var text = Substring(format)
        if isTable(format) { text = text.dropFirst("table".count) }
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text).replacingAll("\\t", with: "\t").replacingAll("\\n", with: "\n")
    }

    /// Renders each row followed by a newline. For a `table` format a header row comes first: the
    /// same template run against the column titles, where `headers` maps a field name (`ID`) to its
    /// title (`CONTAINER ID`) and other fields get their upper-cased name; docker's string functions
    /// (`json`, `join`, `upper`, …) pass a title through unchanged. Then the columns are aligned.
    public static func render(format: String, rows: [TemplateValue], headers: [String: String]) throws -> String {
        let template = try GoTemplate(templateText(format))
        var body = ""
        for row in rows {
            body += try template.render(row) + "\n"
        }
        guard isTable(format) else { return body }

        var titles = TemplateFields(headers.sorted { $0.key < $1.key }.map { ($0.key, TemplateValue.string($0.value)) })
        for name in template.fieldNames where titles[name] == nil {
            titles[name] = .string(name.uppercased())
        }
        // docker ignores a failure while writing the header and keeps what was written before it.
        let header = template.renderPartially(.map(titles), mode: .header)
        return TabWriter.format(header + "\n" + body, minWidth: 10, padding: 3)
    }
}

private extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
