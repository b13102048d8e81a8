/// Go's shortest-form float printing: `%v` (strconv 'g' with precision -1) and encoding/json.
enum GoFloatFormat {
    /// The shortest decimal digits that round-trip, as Go's strconv finds them: the value is
    /// `0.d1d2d3… × 10^point`. Zero has no digits.
    struct Decimal {
        var negative: Bool
        var digits: [UInt8]
        var point: Int
    }

    /// Swift's `description` already prints the shortest round-tripping digits; this re-reads them.
    static func shortest(_ value: Double) -> Decimal {
        var text = Substring(value.magnitude.description)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = parts.first.map(Array.init) ?? []
        let fraction = parts.count > 1 ? Array(parts[1]) : []
        var digits = (whole + fraction).compactMap { $0.asciiValue.map { $0 - 48 } }
        var point = whole.count + exponent
        while let first = digits.first, first == 0 {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == 0 { digits.removeLast() }
        if digits.isEmpty { point = 0 }
        return Decimal(negative: value.sign == .minus, digits: digits, point: point)
    }

    /// `%v` / `%g` with the shortest precision: exponent form below 1e-4 and from 1e6 up, as
    /// strconv decides for precision -1 (`1e+06`, `1.234567e+06`, `100000`).
    static func goPrint(_ value: Double) -> String {
        if let special = nonFinite(value) { return special }
        let decimal = shortest(value)
        let exponent = decimal.point - 1
        if !decimal.digits.isEmpty && (exponent < -4 || exponent >= 6) {
            return exponential(decimal)
        }
        return fixed(decimal)
    }

    /// encoding/json: fixed notation unless the magnitude is below 1e-6 or from 1e21 up, and the
    /// exponent without a leading zero (`1e-7`, not `1e-07`).
    static func json(_ value: Double) -> String {
        let magnitude = value.magnitude
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) {
            var text = exponential(shortest(value))
            let bytes = Array(text.utf8)
            let n = bytes.count
            if n >= 4 && bytes[n - 4] == UInt8(ascii: "e") && bytes[n - 3] == UInt8(ascii: "-")
                && bytes[n - 2] == UInt8(ascii: "0")
            {
                text = String(decoding: bytes[..<(n - 2)] + bytes[(n - 1)...], as: UTF8.self)
            }
            return text
        }
        return fixed(shortest(value))
    }

    static func nonFinite(_ value: Double) -> String? {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        return nil
    }

    private static func exponential(_ decimal: Decimal) -> String {
        var text = decimal.negative ? "-" : ""
        let digits = decimal.digits.isEmpty ? [0] : decimal.digits
        text.append(Character(Unicode.Scalar(digits[0] + 48)))
        if digits.count > 1 {
            text += "." + String(decoding: digits[1...].map { $0 + 48 }, as: UTF8.self)
        }
        let exponent = decimal.digits.isEmpty ? 0 : decimal.point - 1
        let magnitude = String(abs(exponent))
        text += (exponent < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" : "") + magnitude
        return text
    }

    private static func fixed(_ decimal: Decimal) -> String {
        var text = decimal.negative ? "-" : ""
        let digits = decimal.digits
        if decimal.point > 0 {
            for index in 0..<decimal.point {
                text.append(Character(Unicode.Scalar((index < digits.count ? digits[index] : 0) + 48)))
            }
        } else {
            text += "0"
        }
        let fractionDigits = max(digits.count - decimal.point, 0)
        if fractionDigits > 0 {
            text += "."
            for offset in 0..<fractionDigits {
                let index = decimal.point + offset
                text.append(Character(Unicode.Scalar((index >= 0 && index < digits.count ? digits[index] : 0) + 48)))
            }
        }
        return text
    }
}
