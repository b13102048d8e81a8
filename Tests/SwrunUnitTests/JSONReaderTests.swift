import SwrunJSON
import Testing

/// The one JSON reader, which GoTemplate's values and json-file log lines are read with.
@Suite struct JSONReaderTests {
    private func reader(_ text: String) -> JSONReader {
        JSONReader(Array(text.utf8)[...])
    }

    private func string(_ text: String) throws -> String {
        var reader = reader(text)
        let value = try reader.readString()
        try reader.readEnd()
        return value
    }

    private func number(_ text: String) throws -> JSONReader.Number {
        var reader = reader(text)
        let value = try reader.readNumber()
        try reader.readEnd()
        return value
    }

    @Test("escapes decode, surrogate pairs join", arguments: [
        (#""plain""#, "plain"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
        (#""caf\u00e9 \u00E9""#, "café é"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uD83D\uDE00!""#, "😀!"),
        (#""raw é 😀""#, "raw é 😀"),
        (#""lone \ud800!""#, "lone \u{FFFD}!"),
        (#""low \udc00""#, "low \u{FFFD}"),
        (#""unpaired \ud800\u0041""#, "unpaired \u{FFFD}A"),
        (#""""#, ""),
    ])
    func escapes(_ text: String, _ expected: String) throws {
        #expect(try string(text) == expected)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        var reader = JSONReader([0x22, 0x61, 0xFF, 0x62, 0x22][...])
        #expect(try reader.readString() == "a\u{FFFD}b")
    }

    @Test("numbers: integers that fit in Int64, else doubles", arguments: [
        ("0", JSONReader.Number.int(0)), ("-0", .int(0)), ("42", .int(42)), ("-7", .int(-7)),
        ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("1.5", .double(1.5)), ("1.0", .double(1)),
        ("-0.25", .double(-0.25)), ("1e2", .double(100)), ("1E+2", .double(100)), ("25e-1", .double(2.5)),
    ])
    func numbers(_ text: String, _ expected: JSONReader.Number) throws {
        #expect(try number(text) == expected)
    }

    @Test("numbers JSON does not allow", arguments: ["01", "-", "+1", ".5", "1.", "1e", "1e+", "-x", "0x10"])
    func badNumbers(_ text: String) {
        #expect(throws: JSONError.self) { try number(text) }
    }

    @Test func nestedValuesAreReadInOrder() throws {
        var reader = reader(#" { "a" : [1, {"b": [true, false, null]}, "c"], "d": {}, "e": [] } "#)
        var seen: [String] = []
        func walk(_ reader: inout JSONReader) throws {
            switch try reader.peek() {
            case .object:
                seen.append("{")
                try reader.readObject { reader, key in
                    seen.append(key + ":")
                    try walk(&reader)
                }
                seen.append("}")
            case .array:
                seen.append("[")
                try reader.readArray { reader in try walk(&reader) }
                seen.append("]")
            case .string: seen.append(try reader.readString())
            case .number: seen.append("\(try reader.readNumber())")
            case .bool: seen.append("\(try reader.readBool())")
            case .null: try reader.readNull(); seen.append("null")
            }
        }
        try walk(&reader)
        try reader.readEnd()
        #expect(seen == [
            "{", "a:", "[", "int(1)", "{", "b:", "[", "true", "false", "null", "]", "}", "c", "]",
            "d:", "{", "}", "e:", "[", "]", "}",
        ])
    }

    @Test func skipValueSkipsAnyValue() throws {
        var reader = reader(#"{"skip":{"a":[1,2,{"b":"\"}"}],"c":null},"keep":"yes"}"#)
        var kept: String?
        try reader.readObject { reader, key in
            if key == "keep" { kept = try reader.readString() } else { try reader.skipValue() }
        }
        try reader.readEnd()
        #expect(kept == "yes")
    }

    @Test func nestingDeeperThanTheLimitIsRefused() throws {
        let depth = JSONReader.maximumDepth
        func skip(_ text: String) throws {
            var reader = reader(text)
            try reader.skipValue()
            try reader.readEnd()
        }
        try skip(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        #expect(throws: JSONError(offset: depth, reason: "nested too deeply")) {
            try skip(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1))
        }
    }

    @Test("malformed text fails where it goes wrong", arguments: [
        ("", 0, "unexpected end of input"),
        ("{", 1, "unexpected end of input"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        (#"{"a":1,}"#, 7, "expected a key"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
        ("[1,]", 3, "invalid character"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ("tru", 0, "invalid literal"),
        ("nul", 0, "invalid literal"),
        (#""abc"#, 4, "unterminated string"),
        (#""a\x""#, 3, "invalid escape"),
        (#""\u12G4""#, 3, "invalid \\u escape"),
        ("1 2", 2, "unexpected data after the value"),
        ("@", 0, "invalid character"),
    ])
    func malformed(_ text: String, _ offset: Int, _ reason: String) {
        #expect(throws: JSONError(offset: offset, reason: reason)) {
            var reader = reader(text)
            try reader.skipValue()
            try reader.readEnd()
        }
    }

    @Test func errorsReadAsOneLine() {
        #expect(JSONError(offset: 3, reason: "expected ':'").description == "parse JSON at offset 3: expected ':'")
    }

    @Test func offsetsCountFromTheStartOfASlice() {
        let bytes = Array(#"xx{"a" 1}"#.utf8)
        #expect(throws: JSONError(offset: 5, reason: "expected ':'")) {
            var reader = JSONReader(bytes[2...])
            try reader.skipValue()
        }
    }
}
