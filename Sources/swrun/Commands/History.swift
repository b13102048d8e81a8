import ArgumentParser
import Foundation
import GoTemplate
import SwrunImage
import SwrunOS
import SwrunRuntime

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show the history of an image.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output.")
    var noTrunc = false
    @Flag(name: [.customShort("q"), .long], help: "Only show image IDs.")
    var quiet = false
    @Option(
        name: [.customShort("H", allowingJoined: true), .long],
        help: "Print sizes and dates in human readable format (-H=false for raw values).",
        transform: History.parseBool)
    var human = true
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table).")
    var format: String?
    @Argument(help: "The image: a name, ID or unique ID prefix.")
    var image: String

    /// Go's strconv.ParseBool, with `-H=false` arriving as "=false".
    static func parseBool(_ text: String) throws -> Bool {
        let value = text.hasPrefix("=") ? String(text.dropFirst()) : text
        switch value {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw ValidationError("invalid boolean value \"\(value)\" for -H, --human")
        }
    }

    mutating func run() throws {
        let image = try global.imageStore().resolve(image)
        let human = self.human
        let layout = ListingLayout.template("table {{.ID}}\\t{{.CreatedSince}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}")
        try Listing(format: format, quiet: quiet, noTrunc: noTrunc, layout: layout)
            .print(Self.entries(image).map { HistoryRow(entry: $0, human: human) })
    }

    /// One step of an image's history with the layer it added.
    struct Entry {
        var id: String?
        var created: Date?
        var createdBy: String
        var size: Int64
        var comment: String
    }

    /// The image's history, newest first: the image ID on the top step, the size of the
    /// layer each non-empty step added (taken from the manifest in order).
    static func entries(_ image: StoredImage) -> [Entry] {
        var layers = image.manifest.layers.makeIterator()
        var entries: [Entry] = []
        for step in image.config.history ?? [] {
            let size = step.emptyLayer == true ? 0 : layers.next()?.size ?? 0
            entries.append(Entry(
                created: step.created.flatMap(Timestamps.parse), createdBy: step.createdBy ?? "", size: size,
                comment: step.comment ?? ""))
        }
        if entries.isEmpty {
            entries = image.manifest.layers.map { Entry(created: nil, createdBy: "", size: $0.size, comment: "") }
        }
        entries.reverse()
        entries[0].id = image.id.description
        return entries
    }

    /// Go's time.RFC3339 in UTC, without a fraction.
    static func rfc3339(_ date: Date) -> String {
        String(Timestamps.format(date).prefix(19)) + "Z"
    }
}

/// One step of `history`; `human` says whether sizes and dates are written for people.
struct HistoryRow: ListingRow {
    var entry: History.Entry
    var human: Bool

    static let titles = [
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "Size": "SIZE", "Comment": "COMMENT",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        var createdBy = entry.createdBy.replacingOccurrences(of: "\t", with: " ")
        if !noTrunc && createdBy.count > 45 { createdBy = String(createdBy.prefix(44)) + "…" }
        let id = entry.id.map { noTrunc ? $0 : String($0.dropFirst("sha256:".count).prefix(12)) } ?? "<missing>"
        let createdSince: String
        let createdAt: String
        if let created = entry.created {
            createdSince = human ? HumanTime.ago(created) : History.rfc3339(created)
            createdAt = History.rfc3339(created)
        } else {
            createdSince = "N/A"
            createdAt = ""
        }
        return [
            "ID": .string(id), "CreatedSince": .string(createdSince), "CreatedAt": .string(createdAt),
            "CreatedBy": .string(createdBy), "Size": .string(human ? ByteSize.format(entry.size) : String(entry.size)),
            "Comment": .string(entry.comment),
        ]
    }
}
