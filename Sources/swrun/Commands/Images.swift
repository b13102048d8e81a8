import ArgumentParser
import Foundation
import SwrunImage
import SwrunRuntime

struct Images: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List images.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("q"), .long], help: "Only show image IDs.")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output.")
    var noTrunc = false

    mutating func run() throws {
        let store = try global.imageStore()
        let images = try store.list()
        if quiet {
            for image in images { print(noTrunc ? image.id.description : image.id.short) }
            return
        }
        var table = Table(header: ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"])
        for image in images {
            let created = image.config.created.flatMap(Timestamps.parse).map { HumanTime.ago($0) } ?? "N/A"
            let size = image.manifest.layers.reduce(Int64(0)) { $0 + $1.size }
            let id = noTrunc ? image.id.description : image.id.short
            let tags = image.repoTags.isEmpty ? ["<none>:<none>"] : image.repoTags
            for tag in tags {
                let colon = tag.lastIndex(of: ":") ?? tag.endIndex
                let repo = String(tag[..<colon])
                let version = colon < tag.endIndex ? String(tag[tag.index(after: colon)...]) : "<none>"
                table.rows.append([repo, version, id, created, ByteSize.format(size)])
            }
        }
        print(table.render())
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
