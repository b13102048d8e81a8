import SwrunJSON

extension TemplateValue {
    /// Parses JSON text keeping the order of object keys (Foundation's JSONSerialization loses it).
    /// Objects become structs, except those under a key named in `mapKeys`, which become maps
    /// (`null` there becomes a nil map). Integers that fit in `Int64` stay integers.
    /// Malformed text is an `.encoding` error.
    public init(json text: String, mapKeys: Set<String> = []) throws {
        var reader = JSONReader(Array(text.utf8)[...])
        do {
            self = try Self.read(&reader, mapKeys: mapKeys)
            try reader.readEnd()
        } catch let error as JSONError {
            throw TemplateError(.encoding, error.description)
        }
    }

    private static func read(_ reader: inout JSONReader, mapKeys: Set<String>) throws -> TemplateValue {
        switch try reader.peek() {
        case .object:
            var fields = TemplateFields()
            try reader.readObject { reader, key in
                let value = try read(&reader, mapKeys: mapKeys)
                fields[key] = mapKeys.contains(key) ? value.asMap : value
            }
            return .object(fields)
        case .array:
            var elements: [TemplateValue] = []
            try reader.readArray { reader in elements.append(try read(&reader, mapKeys: mapKeys)) }
            return .array(elements)
        case .string:
            return .string(try reader.readString())
        case .number:
            switch try reader.readNumber() {
            case .int(let value): return .int(value)
            case .double(let value): return .double(value)
            }
        case .bool:
            return .bool(try reader.readBool())
        case .null:
            try reader.readNull()
            return .null
        }
    }

    /// JSON as Go's encoding/json writes it: struct fields in stored order, map keys sorted. With
    /// `escapeHTML` (json.Marshal's default) `<`, `>` and `&` are written as `\u003c`, `\u003e`,
    /// `\u0026`; docker's `json` template function turns that off. Non-finite numbers, which Go
    /// refuses to encode, are written as `null`. Without `indent` the text is compact (no spaces);
    /// with it, it is laid out as `json.MarshalIndent(v, "", indent)` does (`inspect`'s output).
    public func jsonString(escapeHTML: Bool = true, indent: String? = nil) -> String {
        var out = ""
        writeJSON(to: &out, escapeHTML: escapeHTML, indent: indent, level: 0)
        return out
    }

    private func writeJSON(to out: inout String, escapeHTML: Bool, indent: String?, level: Int) {
        switch self {
        case .null, .map(nil):
            out += "null"
        case .bool(let value):
            out += value ? "true" : "false"
        case .int(let value):
            out += String(value)
        case .double(let value):
            out += value.isFinite ? GoFloatFormat.json(value) : "null"
        case .string(let value):
            Self.writeJSONString(value, to: &out, escapeHTML: escapeHTML)
        case .array(let elements):
            Self.writeJSONContainer(elements, open: "[", close: "]", to: &out, indent: indent, level: level) { element, out in
                element.writeJSON(to: &out, escapeHTML: escapeHTML, indent: indent, level: level + 1)
            }
        case .object(let fields):
            Self.writeJSONObject(Array(fields), to: &out, escapeHTML: escapeHTML, indent: indent, level: level)
        case .map(let fields?):
            Self.writeJSONObject(fields.sortedByKey, to: &out, escapeHTML: escapeHTML, indent: indent, level: level)
        }
    }

    private static func writeJSONObject(
        _ entries: [TemplateFields.Element], to out: inout String, escapeHTML: Bool, indent: String?, level: Int
    ) {
        writeJSONContainer(entries, open: "{", close: "}", to: &out, indent: indent, level: level) { entry, out in
            writeJSONString(entry.key, to: &out, escapeHTML: escapeHTML)
            out += indent == nil ? ":" : ": "
            entry.value.writeJSON(to: &out, escapeHTML: escapeHTML, indent: indent, level: level + 1)
        }
    }

    /// `open`, the items separated by commas (each on its own line when indented), `close`; an
    /// empty container is `[]` or `{}` either way.
    private static func writeJSONContainer<Item>(
        _ items: [Item], open: String, close: String, to out: inout String, indent: String?, level: Int,
        item write: (Item, inout String) -> Void
    ) {
        out += open
        if let indent, !items.isEmpty {
            let inner = "\n" + String(repeating: indent, count: level + 1)
            for (index, item) in items.enumerated() {
                out += index > 0 ? "," + inner : inner
                write(item, &out)
            }
            out += "\n" + String(repeating: indent, count: level)
        } else {
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, &out)
            }
        }
        out += close
    }

    /// Appends `text` as a JSON string literal, escaped as Go's encoding/json does.
    public static func writeJSONString(_ text: String, to out: inout String, escapeHTML: Bool) {
        let hex = Array("0123456789abcdef")
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || (escapeHTML && (scalar == "<" || scalar == ">" || scalar == "&")) {
                    out += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 0xF)])
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
