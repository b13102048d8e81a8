import Foundation
import GoTemplate
import SwrunDockerfile
import SwrunOS
import SwrunRuntime

/// How `events` prints an event: docker's text line, or `--format` over docker's
/// `events.Message`.
enum EventsFormat {
    /// docker's default line: "2026-12-07T20:00:00.000000000Z container start ID (image=busybox, name=x)".
    static func line(_ event: RecordedEvent) -> String {
        var line = time(event.timeNanos) + " " + event.type + " " + event.action + " " + event.actorID
        if !event.attributes.isEmpty {
            line += " (" + event.attributes.keys.sorted().map { $0 + "=" + (event.attributes[$0] ?? "") }.joined(separator: ", ") + ")"
        }
        return line
    }

    /// RFC 3339 with nine fraction digits, in UTC.
    static func time(_ nanos: Int64) -> String {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        let fraction = String(nanos - seconds * 1_000_000_000)
        let whole = Timestamps.format(Date(timeIntervalSince1970: Double(seconds)), nanoseconds: false)
        return whole.dropLast() + "." + String(repeating: "0", count: 9 - fraction.count) + fraction + "Z"
    }

    /// The event as a template sees docker's `events.Message`: Go's field names, or
    /// with `jsonKeys` the names its JSON has (`scope`, `time`, `timeNano`).
    static func value(_ event: RecordedEvent, jsonKeys: Bool) -> TemplateValue {
        let actor: TemplateValue = .object(["ID": .string(event.actorID), "Attributes": .map(TemplateFields(
            event.attributes.map { ($0.key, TemplateValue.string($0.value)) }))])
        return .object([
            "Type": .string(event.type), "Action": .string(event.action), "Actor": actor,
            jsonKeys ? "scope" : "Scope": "local",
            jsonKeys ? "time" : "Time": .int(event.timeNanos / 1_000_000_000),
            jsonKeys ? "timeNano" : "TimeNano": .int(event.timeNanos),
        ])
    }

    /// The text for each event under `format` (nil: docker's line), without the newline.
    /// A template that does not parse fails here, before any event is read.
    static func renderer(_ format: String?) throws -> (RecordedEvent) throws -> String {
        guard let format, !format.isEmpty else { return line }
        if format == "json" || format == "{{json .}}" {
            return { value($0, jsonKeys: true).jsonString(escapeHTML: false) }
        }
        let template = try TemplateFailure.listing.mapping { try GoTemplate(TableFormat.templateText(format)) }
        return { event in try TemplateFailure.listing.mapping { try template.render(value(event, jsonKeys: false)) } }
    }

    /// docker's `--since`/`--until` values: a Go duration back from `now` ("10m"), Unix
    /// seconds ("1700000000.5"), or an RFC 3339 date or time (a zone-less one in UTC).
    /// In ns since the epoch.
    static func timestamp(_ value: String, now: Date) throws -> Int64 {
        let nowNanos = Int64(now.timeIntervalSince1970 * 1e9)
        if value != "0", let duration = try? GoDuration.parse(value) { return nowNanos - duration }
        if let date = Timestamps.parse(completing(value)) {
            return Int64((date.timeIntervalSince1970 * 1e9).rounded())
        }
        if !value.contains("-"), let seconds = unixNanos(value) { return seconds }
        throw SwrunError(.invalidArgument, "failed to parse value as time or duration: \"\(value)\"")
    }

    /// "2026-12-07" and "2026-12-07T20", "…T20:00" and "…T20:00:00" without a zone: in UTC.
    private static func completing(_ value: String) -> String {
        guard value.count >= 10 else { return value }
        var text = value
        let hasZone = text.hasSuffix("Z") || text.hasSuffix("z") || text.dropFirst(19).contains("+") || text.dropFirst(19).contains("-")
        if !text.contains("T") { text += "T00:00:00" }
        if !hasZone, let t = text.firstIndex(of: "T") {
            let time = text[text.index(after: t)...]
            switch time.filter({ $0 == ":" }).count {
            case 0: text += ":00:00"
            case 1: text += ":00"
            default: break
            }
            text += "Z"
        }
        return text
    }

    private static func unixNanos(_ value: String) -> Int64? {
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let seconds = Int64(parts[0]) else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let digits = String(parts[1].prefix(9))
            guard !digits.isEmpty, let fraction = Int64(digits) else { return nil }
            nanos = fraction * Int64(pow(10.0, Double(9 - digits.count)))
        }
        return seconds * 1_000_000_000 + nanos
    }
}
