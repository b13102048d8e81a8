extension TemplateValue {
    /// Parses JSON text keeping the order of object keys (Foundation's JSONSerialization loses it).
    /// Objects become structs, except those under a key named in `mapKeys`, which become maps
    /// (`null` there becomes a nil map). Integers that fit in `Int64` stay integers.
    public init(json text: String, mapKeys: Set<String> = []) throws {
        var parser = JSONParser(bytes: Array(text.utf8), mapKeys: mapKeys)
        self = try parser.parseDocument()
    }

    /// Compact JSON as Go's encoding/json writes it: struct fields in stored order, map keys sorted,
    /// no spaces. With `escapeHTML` (json.Marshal's default) `<`, `>` and `&` are written as
    /// `\u003c`, `\u003e`, `\u0026`; docker's `json` template function turns that off. Non-finite
    /// numbers, which Go refuses to encode, are written as `null`.
    public func jsonString(escapeHTML: Bool = true) -> String {
        var out = ""
        writeJSON(to: &out, escapeHTML: escapeHTML)
        return out
    }

    private func writeJSON(to out: inout String, escapeHTML: Bool) {
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
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.writeJSON(to: &out, escapeHTML: escapeHTML)
            }
            out += "]"
        case .object(let fields):
            Self.writeJSONObject(Array(fields), to: &out, escapeHTML: escapeHTML)
        case .map(let fields?):
            Self.writeJSONObject(fields.sortedByKey, to: &out, escapeHTML: escapeHTML)
        }
    }

    private static func writeJSONObject(_ entries: [TemplateFields.Element], to out: inout String, escapeHTML: Bool) {
        out += "{"
        for (index, entry) in entries.enumerated() {
            if index > 0 { out += "," }
            writeJSONString(entry.key, to: &out, escapeHTML: escapeHTML)
            out += ":"
            entry.value.writeJSON(to: &out, escapeHTML: escapeHTML)
        }
        out += "}"
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

/// A recursive-descent JSON reader over UTF-8 bytes.
private struct JSONParser {
    let bytes: [UInt8]
    let mapKeys: Set<String>
    var position = 0
    var depth = 0
    static let maximumDepth = 512

    init(bytes: [UInt8], mapKeys: Set<String>) {
        self.bytes = bytes
        self.mapKeys = mapKeys
    }

    mutating func parseDocument() throws -> TemplateValue {
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw failure("unexpected data after the value") }
        return value
    }

    private func failure(_ message: String) -> TemplateError {
        TemplateError(.encoding, "parse JSON at offset \(position): \(message)")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func parseValue() throws -> TemplateValue {
        skipWhitespace()
        guard position < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func expectWord(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes.count - position >= expected.count,
              Array(bytes[position..<(position + expected.count)]) == expected
        else { throw failure("invalid literal") }
        position += expected.count
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nested too deeply") }
    }

    private mutating func parseObject() throws -> TemplateValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var fields = TemplateFields()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            let value = try parseValue()
            fields[key] = mapKeys.contains(key) ? value.asMap : value
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(fields)
            } else {
                throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws -> TemplateValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var elements: [TemplateValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            } else {
                throw failure("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws -> TemplateValue {
        let start = position
        var integral = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                integral = false
            } else if !(byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || (0x30...0x39).contains(byte)) {
                break
            }
            position += 1
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        guard !text.isEmpty, let value = Double(text) else { throw failure("invalid number \"\(text)\"") }
        return .double(value)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard bytes.count - position >= 4,
              let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
        else { throw failure("invalid \\u escape") }
        position += 4
        return value
    }

    private mutating func parseString() throws -> String {
        position += 1
        var scalars = String.UnicodeScalarView()
        var run = position
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars) }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flush(position)
                position += 1
                return String(scalars)
            }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            flush(position)
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800..<0xDC00).contains(code), bytes.count - position >= 6,
                   bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
                {
                    let save = position
                    position += 2
                    let low = try parseHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        position = save
                    }
                }
                scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
            default:
                throw failure("invalid escape")
            }
            run = position
        }
        throw failure("unterminated string")
    }
}
