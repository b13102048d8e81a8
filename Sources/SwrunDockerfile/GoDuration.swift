import GoTemplate

/// Go's time.ParseDuration ("30s", "1m30s", "1.5h", "300ms"), in nanoseconds: how
/// HEALTHCHECK reads its intervals.
public enum GoDuration {
    static let units: [String: Int64] = [
        "ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
        "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    public static func parse(_ text: String) throws -> Int64 {
        let invalid = ParseFailure("time: invalid duration \(goQuoted(text))")
        var s = Substring(text)
        var negative = false
        if let sign = s.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        if s.isEmpty { throw invalid }
        var total: Int64 = 0
        while !s.isEmpty {
            // The number: digits, optionally a fraction.
            let intDigits = s.prefix { $0.isASCII && $0.isNumber }
            s = s.dropFirst(intDigits.count)
            var fraction: Substring = ""
            if s.first == "." {
                s = s.dropFirst()
                fraction = s.prefix { $0.isASCII && $0.isNumber }
                s = s.dropFirst(fraction.count)
            }
            if intDigits.isEmpty && fraction.isEmpty { throw invalid }
            let unit = s.prefix { !($0 == "." || ($0.isASCII && $0.isNumber)) }
            s = s.dropFirst(unit.count)
            if unit.isEmpty { throw ParseFailure("time: missing unit in duration \(goQuoted(text))") }
            guard let scale = units[String(unit)] else {
                throw ParseFailure("time: unknown unit \(goQuoted(String(unit))) in duration \(goQuoted(text))")
            }
            // The whole part exactly, the fraction through a float, as Go does.
            guard let whole = Int64(intDigits.isEmpty ? "0" : String(intDigits)) else { throw invalid }
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
            if overflow { throw invalid }
            var part = scaled
            if !fraction.isEmpty, let f = Double(String(fraction)) {
                var divisor = 1.0
                for _ in fraction { divisor *= 10 }
                part += Int64(f * (Double(scale) / divisor))
            }
            let (sum, sumOverflow) = total.addingReportingOverflow(part)
            if sumOverflow { throw invalid }
            total = sum
        }
        return negative ? -total : total
    }
}
