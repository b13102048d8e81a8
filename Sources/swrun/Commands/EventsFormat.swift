import Foundation
import GoTemplate
import SwrunDockerfile
import SwrunOS
import SwrunRuntime

/// How `events` prints an event: docker's text line, or `--format` over docker's
/// `events.Message`.
enum EventsFormat {
    /// docker's default line: "2026-12-07T20:00:00.000000000Z container start ID (image=busybox, name=x)"
    /// (the time in the local zone).
    static func line(_ event: RecordedEvent) -> String {
        var line = time(event.timeNanos) + " " + event.type + " " + event.action + " " + event.actorID
        if !event.attributes.isEmpty {
            line += " (" + event.attributes.keys.sorted().map { $0 + "=" + (event.attributes[$0] ?? "") }.joined(separator: ", ") + ")"
        }
        return line
    }

    /// RFC 3339 with nine fraction digits in the local time zone (`TZ`), as docker's CLI
    /// prints it (Go's "2006-01-02T15:04:05.000000000Z07:00").
    static func time(_ nanos: Int64) -> String {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        return time(nanos, utcOffset: TimeBound.localOffset(at: Int(seconds)))
    }

    /// The time at `utcOffset` seconds east of UTC: "Z" for UTC, else "+01:00".
    static func time(_ nanos: Int64, utcOffset: Int) -> String {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        var wall = time_t(seconds) + time_t(utcOffset)
        var parts = tm()
        gmtime_r(&wall, &parts)
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        var text = digits(Int(parts.tm_year) + 1900, 4) + "-" + digits(Int(parts.tm_mon) + 1, 2) + "-" + digits(Int(parts.tm_mday), 2)
        text += "T" + digits(Int(parts.tm_hour), 2) + ":" + digits(Int(parts.tm_min), 2) + ":" + digits(Int(parts.tm_sec), 2)
        text += "." + digits(Int(nanos - seconds * 1_000_000_000), 9)
        // Go's zone: whole minutes, "Z" when there is no offset.
        let minutes = utcOffset / 60
        guard minutes != 0 else { return text + "Z" }
        return text + (minutes < 0 ? "-" : "+") + digits(abs(minutes) / 60, 2) + ":" + digits(abs(minutes) % 60, 2)
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
}
