import ArgumentParser
import Foundation
import GoTemplate
import SwrunBuild
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List images.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Show all images (default hides intermediate images).")
    var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only show image IDs.")
    var quiet = false
    @Flag(name: .long, help: "Show digests.")
    var digests = false
    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output.")
    var noTrunc = false
    @Option(name: [.customShort("f"), .long], help: "Filter output: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE].")
    var filter: [String] = []
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table).")
    var format: String?
    @Argument(help: "REPOSITORY[:TAG] to list.")
    var repository: String?

    mutating func run() throws {
        let store = try global.imageStore()
        let filters = try ImageFilters(filter, store: store)
        let everything = try store.list()
        let images = everything
            .filter(filters.matches)
            .sorted { Self.created($0) > Self.created($1) }
        var patterns = filters.references
        if let repository { patterns.append(repository) }
        let now = Date()
        var rows: [ImageRow] = []
        // A build's untagged step images are intermediate: docker lists them only with -a.
        let intermediate = all ? [] : Builder.intermediateImages(everything, store: store)
        for image in images {
            if image.repoTags.isEmpty, intermediate.contains(image.manifestDigest) { continue }
            var tags = image.repoTags.filter { tag in patterns.isEmpty || patterns.contains { ImageFilters.reference(tag, matches: $0) } }
            if tags.isEmpty {
                guard patterns.isEmpty else { continue }
                tags = image.repoTags.isEmpty ? [""] : []
            }
            for tag in tags { rows.append(ImageRow(image: image, tag: tag, now: now)) }
        }
        let layout = digests
            ? "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"
            : "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.CreatedSince}}\\t{{.Size}}"
        try Listing(format: format, quiet: quiet, noTrunc: noTrunc, layout: .template(layout)).print(rows)
    }

    /// `busybox:latest` → (`busybox`, `latest`); "" → (`<none>`, `<none>`).
    static func split(_ tag: String) -> (String, String) {
        guard !tag.isEmpty else { return ("<none>", "<none>") }
        guard let colon = tag.lastIndex(of: ":"), !tag[colon...].contains("/") else { return (tag, "<none>") }
        return (String(tag[..<colon]), String(tag[tag.index(after: colon)...]))
    }

    static func created(_ image: StoredImage) -> Date {
        image.config.created.flatMap(Timestamps.parse) ?? .distantPast
    }

    /// The image's size as docker counts it: its layers, uncompressed where they are plain tar.
    static func size(_ image: StoredImage) -> Int64 {
        image.manifest.layers.reduce(Int64(0)) { $0 + $1.size }
    }

    /// Go's `time.Time.String()` in UTC: "2024-05-01 10:20:30 +0000 UTC".
    static func goDate(_ date: Date) -> String {
        let text = Timestamps.format(date)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " +0000 UTC"
    }
}

/// One line of `images`: `tag` is a familiar `repo:tag`, or "" for an untagged image.
struct ImageRow: ListingRow {
    var image: StoredImage
    var tag: String
    var now: Date

    static let titles = [
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "CreatedSince": "CREATED",
        "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS", "SharedSize": "SHARED SIZE",
        "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        let (repository, version) = Images.split(tag)
        let created = Images.created(image)
        let size = ByteSize.format(Images.size(image))
        return [
            "ID": .string(noTrunc ? image.id.description : image.id.short), "Repository": .string(repository),
            "Tag": .string(version), "Digest": .string(tag.isEmpty ? "<none>" : image.manifestDigest.description),
            "CreatedSince": .string(created == .distantPast ? "N/A" : HumanTime.ago(created, now: now)),
            "CreatedAt": .string(created == .distantPast ? "" : Images.goDate(created)),
            "Size": .string(size), "VirtualSize": .string(size), "Containers": "N/A", "SharedSize": "N/A",
            "UniqueSize": "N/A",
        ]
    }
}

/// `images --filter`: one key's values are alternatives, different keys must all hold.
struct ImageFilters {
    var dangling: Bool?
    var references: [String] = []
    var before: [Date] = []
    var since: [Date] = []
    var labels: [(key: String, value: String?)] = []

    init(_ filters: [String], store: ImageStore) throws {
        for filter in filters {
            guard let equals = filter.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "bad format of filter (expected name=value)")
            }
            let key = filter[..<equals].lowercased()
            let value = String(filter[filter.index(after: equals)...])
            switch key {
            case "dangling":
                guard let flag = Bool(value.lowercased()) ?? (value == "1" ? true : value == "0" ? false : nil) else {
                    throw SwrunError(.invalidArgument, "invalid filter 'dangling=\(value)'")
                }
                dangling = flag
            case "reference":
                references.append(value)
            case "before":
                before.append(Images.created(try store.resolve(value)))
            case "since":
                since.append(Images.created(try store.resolve(value)))
            case "label":
                if let split = value.firstIndex(of: "=") {
                    labels.append((String(value[..<split]), String(value[value.index(after: split)...])))
                } else {
                    labels.append((value, nil))
                }
            default:
                throw SwrunError(.invalidArgument, "invalid filter '\(key)'")
            }
        }
    }

    func matches(_ image: StoredImage) -> Bool {
        if let dangling, image.repoTags.isEmpty != dangling { return false }
        let created = Images.created(image)
        if !before.isEmpty && !before.contains(where: { created < $0 }) { return false }
        if !since.isEmpty && !since.contains(where: { created > $0 }) { return false }
        let imageLabels = image.config.config?.labels ?? [:]
        for label in labels {
            guard let value = imageLabels[label.key] else { return false }
            if let wanted = label.value, wanted != value { return false }
        }
        return true
    }

    /// docker's reference filter: the glob `pattern` (path.Match syntax) against the
    /// familiar `repo:tag` or the familiar repository alone.
    static func reference(_ tag: String, matches pattern: String) -> Bool {
        let repository = Images.split(tag).0
        return fnmatch(pattern, tag, FNM_PATHNAME) == 0 || fnmatch(pattern, repository, FNM_PATHNAME) == 0
    }
}

/// docker's decimal sizes: "4.86MB", "124MB", "1.2GB".
enum ByteSize {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let digits = value < 10 ? 3 : (value < 100 ? 4 : 3)
        var text = String(format: "%.\(max(0, digits - String(Int(value)).count))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + units[unit]
    }
}
