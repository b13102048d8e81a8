import GoTemplate

/// Helpers for docker's JSON documents (`inspect`), which are template values: the same
/// value is printed as JSON (`jsonString(indent:)`) and run through `--format` templates.
extension TemplateValue {
    /// Strings as an array, or null for nil (Go's nil slice).
    static func strings(_ values: [String]?) -> TemplateValue {
        values.map { .array($0.map(TemplateValue.string)) } ?? .null
    }

    /// A Go map (Labels, Tmpfs) of `entries`, printed in key order; nil is Go's nil map.
    static func goMap(_ entries: [String: TemplateValue]?) -> TemplateValue {
        .map(entries.map { TemplateFields($0.map { ($0.key, $0.value) }) })
    }
}
