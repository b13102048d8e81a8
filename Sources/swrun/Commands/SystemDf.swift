import ArgumentParser
import Foundation
import GoTemplate
import SwrunImage
import SwrunOS
import SwrunRuntime

struct SystemDf: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show swrun disk usage.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Format output using a Go template ('table' prefix for a table).")
    var format: String?

    mutating func run() throws {
        let store = try global.imageStore()
        let runtime = try global.runtime()
        let users = try ImageUsers(runtime: runtime)
        let images = try store.list()
        let containers = try runtime.containers.list()

        // Shared layers count once, as docker's total does.
        var layerSizes: [String: Int64] = [:]
        var activeLayers: Set<String> = []
        for image in images {
            for layer in image.manifest.layers {
                layerSizes[layer.digest.hex] = layer.size
                if users.isUsed(image.id) { activeLayers.insert(layer.digest.hex) }
            }
        }
        let imageSize = layerSizes.values.reduce(0, +)
        let imageReclaimable = layerSizes.filter { !activeLayers.contains($0.key) }.values.reduce(0, +)
        let activeImages = images.filter { users.isUsed($0.id) }.count

        var containerSize: Int64 = 0
        var containerReclaimable: Int64 = 0
        for container in containers {
            let size = Self.treeSize(runtime.containers.filesystem(of: container.id).upperDir)
            containerSize += size
            if !container.isRunning { containerReclaimable += size }
        }
        let activeContainers = containers.filter(\.isRunning).count

        let rows = [
            DiskUsageRow(type: "Images", total: images.count, active: activeImages, size: imageSize, reclaimable: imageReclaimable),
            DiskUsageRow(
                type: "Containers", total: containers.count, active: activeContainers, size: containerSize,
                reclaimable: containerReclaimable),
            DiskUsageRow(type: "Local Volumes", total: 0, active: 0, size: 0, reclaimable: 0),
            DiskUsageRow(type: "Build Cache", total: 0, active: 0, size: 0, reclaimable: 0),
        ]
        let layout = ListingLayout.template("table {{.Type}}\\t{{.TotalCount}}\\t{{.Active}}\\t{{.Size}}\\t{{.Reclaimable}}")
        try Listing(format: format, layout: layout).print(rows)
    }

    /// The bytes of the regular files under `path` (0 when it does not exist).
    static func treeSize(_ path: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let relative = walker.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + relative, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
        }
        return total
    }
}

/// One line of `system df` as docker's fields; reclaimable space shows its share of the total.
struct DiskUsageRow: ListingRow {
    var type: String
    var total: Int
    var active: Int
    var size: Int64
    var reclaimable: Int64

    static let titles = [
        "Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE",
    ]

    func fields(noTrunc: Bool) -> TemplateFields {
        var reclaimableText = ByteSize.format(reclaimable)
        if size > 0 { reclaimableText += " (\(Int(Double(reclaimable) * 100 / Double(size)))%)" }
        return [
            "Type": .string(type), "TotalCount": .string(String(total)), "Active": .string(String(active)),
            "Size": .string(ByteSize.format(size)), "Reclaimable": .string(reclaimableText),
        ]
    }
}
