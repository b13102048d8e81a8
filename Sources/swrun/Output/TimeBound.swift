import Foundation
import GoTemplate
import SwrunOS

/// The times `--since` and `--until` take, read as docker's `timetypes.GetTimestamp`
/// reads them: a Go duration back from now ("10m", "1h30m"), a Unix timestamp
/// ("1700000000", "1700000000.5"), or a date and time ("2026-12-07",
/// "2026-12-07T20:15", "2026-12-07T20:15:30.5Z", "…+01:00"), in local time when no zone
/// is given. Nanoseconds since the epoch.
enum TimeBound {
    static func parse(_ value: String, flag: String, now: Date = Date()) throws -> Int64 {
        if value != "0", let duration = try? GoDuration.parse(value) {
            // docker drops the fraction of a second here.
            let seconds = Int64(now.timeIntervalSince1970.rounded(.down)) - duration / 1_000_000_000
            return seconds * 1_000_000_000
        }
        if let nanos = dateTime(value) { return nanos }
        if !value.contains("-"), let nanos = unixTimestamp(value) { return nanos }
        throw SwrunError(.invalidArgument, "invalid value for \(flag): failed to parse value as time or duration: \"\(value)\"")
    }

    /// "SECONDS[.FRACTION]".
    static func unixTimestamp(_ value: String) -> Int64? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let seconds = Int64(parts[0]) else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let fraction = Int64(digits) else { return nil }
            nanos = fraction * Int64(pow(10.0, Double(9 - digits.count)))
        }
        return seconds * 1_000_000_000 + nanos
    }

    /// Seconds east of UTC of the local time zone (`TZ`) at `seconds` since the epoch.
    static func localOffset(at seconds: Int) -> Int {
        var clock = time_t(seconds)
        var parts = tm()
        tzset()
        guard localtime_r(&clock, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }

    /// "YYYY-MM-DD[THH[:MM[:SS[.F]]]][Z|±HH:MM]"; without a zone, local time.
    static func dateTime(_ value: String) -> Int64? {
        var rest = Substring(value)
        func number(_ digits: Int) -> Int? {
            let head = rest.prefix(digits)
            guard head.count == digits, head.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            rest = rest.dropFirst(digits)
            return Int(head)
        }
        func skip(_ c: Character) -> Bool {
            guard rest.first == c else { return false }
            rest = rest.dropFirst()
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0
        var nanos: Int64 = 0
        if skip("T") {
            guard let h = number(2), h < 24 else { return nil }
            hour = h
            if skip(":") {
                guard let m = number(2), m < 60 else { return nil }
                minute = m
                if skip(":") {
                    guard let s = number(2), s < 61 else { return nil }
                    second = s
                    if skip(".") {
                        let digits = rest.prefix { $0.isASCII && $0.isNumber }
                        guard !digits.isEmpty else { return nil }
                        rest = rest.dropFirst(digits.count)
                        let kept = digits.prefix(9)
                        nanos = (Int64(kept) ?? 0) * Int64(pow(10.0, Double(9 - kept.count)))
                    }
                }
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds: Int
        if rest.isEmpty {
            // docker reads it at the local zone's offset now (a fixed zone), not the
            // offset the zone had or will have on that date.
            seconds = timegm(&parts) - localOffset(at: time(nil))
        } else if skip("Z") || skip("z") {
            guard rest.isEmpty else { return nil }
            seconds = timegm(&parts)
        } else if let sign = rest.first, sign == "+" || sign == "-" {
            rest = rest.dropFirst()
            guard let zoneHours = number(2), skip(":"), let zoneMinutes = number(2), rest.isEmpty else { return nil }
            let offset = (zoneHours * 3600 + zoneMinutes * 60) * (sign == "-" ? -1 : 1)
            seconds = timegm(&parts) - offset
        } else {
            return nil
        }
        return Int64(seconds) * 1_000_000_000 + nanos
    }
}
