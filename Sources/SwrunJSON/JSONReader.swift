/// A pull reader over JSON text in UTF-8: the caller asks for the value it expects next,
/// so a tree (GoTemplate's `TemplateValue`) or a flat record (a json-file log line) is
/// built without an intermediate value. Strings decode every escape, surrogate pairs
/// included; a lone surrogate or invalid UTF-8 becomes U+FFFD, as Go's decoder makes it.
///
///     var reader = JSONReader(Array(#"{"log":"hi\n"}"#.utf8)[...])
///     try reader.readObject { reader, key in
///         if key == "log" { text = try reader.readString() } else { try reader.skipValue() }
///     }
///     try reader.readEnd()
public struct JSONReader {
    /// What the next value is, from its first byte.
    public enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null
    }

    /// A number: an integer when the text has no fraction or exponent and fits in `Int64`.
    public enum Number: Sendable, Equatable {
        case int(Int64)
        case double(Double)
    }

    /// Objects and arrays nested deeper than this are refused (no stack overflow on hostile input).
    public static let maximumDepth = 512

    private let bytes: ArraySlice<UInt8>
    private var index: Int
    private var depth = 0

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    private func failure(_ reason: String) -> JSONError {
        JSONError(offset: index - bytes.startIndex, reason: reason)
    }

    private mutating func skipWhitespace() {
        while index < bytes.endIndex {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// The byte after whitespace; throws at the end of the text.
    private mutating func nextByte() throws -> UInt8 {
        skipWhitespace()
        guard index < bytes.endIndex else { throw failure("unexpected end of input") }
        return bytes[index]
    }

    /// The kind of the next value, which is left to be read.
    public mutating func peek() throws -> Kind {
        switch try nextByte() {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw failure("invalid character")
        }
    }

    /// Checks that only whitespace is left.
    public mutating func readEnd() throws {
        skipWhitespace()
        guard index == bytes.endIndex else { throw failure("unexpected data after the value") }
    }

    public mutating func readNull() throws {
        guard try nextByte() == UInt8(ascii: "n") else { throw failure("expected null") }
        try readWord("null")
    }

    public mutating func readBool() throws -> Bool {
        switch try nextByte() {
        case UInt8(ascii: "t"): try readWord("true"); return true
        case UInt8(ascii: "f"): try readWord("false"); return false
        default: throw failure("expected a boolean")
        }
    }

    private mutating func readWord(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { throw failure("invalid literal") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("invalid literal")
        }
        index += count
    }

    /// Reads an object, calling `member` with each key in order; `member` must read (or
    /// skip) exactly the key's value.
    public mutating func readObject(_ member: (inout JSONReader, String) throws -> Void) throws {
        try readContainer(open: "{", close: "}", expected: "an object") { reader in
            guard try reader.nextByte() == UInt8(ascii: "\"") else { throw reader.failure("expected a key") }
            let key = try reader.readString()
            guard try reader.nextByte() == UInt8(ascii: ":") else { throw reader.failure("expected ':'") }
            reader.index += 1
            try member(&reader, key)
        }
    }

    /// Reads an array, calling `element` for each element in order; `element` must read
    /// (or skip) exactly one value.
    public mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws {
        try readContainer(open: "[", close: "]", expected: "an array", item: element)
    }

    /// `open`, items separated by commas, `close`; `item` reads one item.
    private mutating func readContainer(
        open: Unicode.Scalar, close: Unicode.Scalar, expected: String, item: (inout JSONReader) throws -> Void
    ) throws {
        guard try nextByte() == UInt8(ascii: open) else { throw failure("expected \(expected)") }
        try enter()
        defer { depth -= 1 }
        index += 1
        if try nextByte() == UInt8(ascii: close) {
            index += 1
            return
        }
        while true {
            try item(&self)
            switch try nextByte() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: close): index += 1; return
            default: throw failure("expected ',' or '\(close)'")
            }
        }
    }

    private mutating func enter() throws {
        guard depth < Self.maximumDepth else { throw failure("nested too deeply") }
        depth += 1
    }

    /// Reads past the next value, whatever it is, checking that it is well formed.
    public mutating func skipValue() throws {
        switch try peek() {
        case .object: try readObject { reader, _ in try reader.skipValue() }
        case .array: try readArray { reader in try reader.skipValue() }
        case .string: _ = try readString()
        case .number: _ = try readNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    /// Reads a number as JSON spells it: `-`, digits without a leading zero, an optional
    /// fraction and exponent.
    public mutating func readNumber() throws -> Number {
        _ = try nextByte()
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let leadingZero = index < bytes.endIndex && bytes[index] == UInt8(ascii: "0")
        let integerDigits = digits()
        guard integerDigits > 0, !(leadingZero && integerDigits > 1) else {
            index = start
            throw failure("invalid number")
        }
        var integral = true
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard digits() > 0 else { throw failure("invalid number") }
        }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure("invalid number") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        guard let value = Double(text) else { throw failure("invalid number") }
        return .double(value)
    }

    /// Reads a string, its escapes decoded.
    public mutating func readString() throws -> String {
        guard try nextByte() == UInt8(ascii: "\"") else { throw failure("expected a string") }
        index += 1
        var text = ""
        var run = index
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // Without escapes (the common case) this is the whole string, decoded once.
                text += String(decoding: bytes[run..<index], as: UTF8.self)
                index += 1
                return text
            }
            guard byte == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            text += String(decoding: bytes[run..<index], as: UTF8.self)
            index += 1
            guard index < bytes.endIndex else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): text.unicodeScalars.append("\"")
            case UInt8(ascii: "\\"): text.unicodeScalars.append("\\")
            case UInt8(ascii: "/"): text.unicodeScalars.append("/")
            case UInt8(ascii: "b"): text.unicodeScalars.append("\u{08}")
            case UInt8(ascii: "f"): text.unicodeScalars.append("\u{0C}")
            case UInt8(ascii: "n"): text.unicodeScalars.append("\n")
            case UInt8(ascii: "r"): text.unicodeScalars.append("\r")
            case UInt8(ascii: "t"): text.unicodeScalars.append("\t")
            case UInt8(ascii: "u"): text.unicodeScalars.append(try readUnicodeEscape())
            default:
                index -= 1
                throw failure("invalid escape")
            }
            run = index
        }
        throw failure("unterminated string")
    }

    /// The scalar of `\uXXXX` (after the `u`), joined with a following `\uXXXX` low
    /// surrogate when it is a high one. A surrogate without its pair is U+FFFD.
    private mutating func readUnicodeEscape() throws -> Unicode.Scalar {
        let unit = try readHex4()
        if (0xD800..<0xDC00).contains(unit), bytes.endIndex - index >= 6,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
        {
            let save = index
            index += 2
            let low = try readHex4()
            if (0xDC00..<0xE000).contains(low) {
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
            }
            // Not a pair: the second escape is read on its own.
            index = save
        }
        return Unicode.Scalar(unit) ?? "\u{FFFD}"
    }

    /// Four hex digits; on failure the offset is that of the first.
    private mutating func readHex4() throws -> UInt32 {
        guard bytes.endIndex - index >= 4 else { throw failure("invalid \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}
