import GoTemplate

/// A JSON value whose objects keep their key order, printed as docker's CLI prints
/// `inspect`: Go's encoding (HTML characters escaped) indented with four spaces.
indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    /// A Go struct: members in declaration order.
    case object([(String, JSONValue)])
    /// A Go map (Labels, Tmpfs, GraphDriver.Data): printed in key order; nil is Go's nil map.
    case map([String: JSONValue]?)

    /// Strings as an array, or null for nil (Go's nil slice).
    static func strings(_ values: [String]?) -> JSONValue {
        values.map { .array($0.map(JSONValue.string)) } ?? .null
    }

    /// `json.Indent(…, "", "    ")` of Go's encoding.
    func rendered(indent: String = "    ") -> String {
        var out = ""
        write(to: &out, level: 0, indent: indent)
        return out
    }

    private func write(to out: inout String, level: Int, indent: String) {
        let inner = String(repeating: indent, count: level + 1)
        let outer = String(repeating: indent, count: level)
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .string(let value): Self.quote(value, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.write(to: &out, level: level + 1, indent: indent)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += outer + "]"
        case .map(nil):
            out += "null"
        case .map(let entries?):
            // Go orders map keys by their bytes.
            let sorted = entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            JSONValue.object(sorted.map { ($0.key, $0.value) }).write(to: &out, level: level, indent: indent)
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += inner
                Self.quote(key, into: &out)
                out += ": "
                value.write(to: &out, level: level + 1, indent: indent)
                out += i == members.count - 1 ? "\n" : ",\n"
            }
            out += outer + "}"
        }
    }

    /// Go's string encoding, as docker's JSON output has it.
    private static func quote(_ text: String, into out: inout String) {
        TemplateValue.writeJSONString(text, to: &out, escapeHTML: true)
    }

}

extension JSONValue {
    /// The data `--format` templates run against: objects are Go structs (fields in
    /// order), maps are Go maps, as in the typed values docker formats.
    var templateValue: TemplateValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .string(let value): return .string(value)
        case .array(let items): return .array(items.map(\.templateValue))
        case .object(let members): return .object(TemplateFields(members.map { ($0.0, $0.1.templateValue) }))
        case .map(let entries): return .map(entries.map { TemplateFields($0.map { ($0.key, $0.value.templateValue) }) })
        }
    }
}
