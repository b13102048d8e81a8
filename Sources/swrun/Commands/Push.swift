import ArgumentParser
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRegistry

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push", abstract: "Upload an image to a registry.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Flag(name: [.customShort("q"), .long], help: "Suppress verbose output.")
    var quiet = false
    @Option(name: .long, help: "Upload blobs in chunks of this many MiB (PATCH requests) instead of one PUT each.")
    var chunkSize: Int?
    @Option(name: [.customShort("f"), .long], help: "Manifest format: oci, or v2s2 (docker); default: as stored.")
    var format: String?
    @Argument(help: "NAME[:TAG] (an image of the store), optionally followed by a DESTINATION reference.")
    var name: String
    @Argument(help: "Push under this name instead (podman's `push IMAGE DESTINATION`).")
    var destination: String?

    mutating func run() throws {
        let store = try global.imageStore()
        let image = try store.resolve(name)
        let target = try Reference(parsing: destination ?? name)
        guard target.digest == nil else { throw SwrunError(.invalidArgument, "cannot push to a digest reference: \(target.familiarName)") }
        if let chunkSize, chunkSize < 1 { throw SwrunError(.invalidArgument, "--chunk-size must be at least 1 (MiB)") }
        let manifestFormat: ManifestFormat?
        switch format {
        case nil: manifestFormat = nil
        case "oci": manifestFormat = .oci
        case "v2s2", "docker": manifestFormat = .docker
        case let other?: throw SwrunError(.invalidArgument, "unknown manifest format \"\(other)\": use oci or v2s2")
        }
        let mode: UploadMode = chunkSize.map { .chunked(chunkSize: $0 << 20) } ?? .monolithic
        let progress = TransferProgress(.push, quiet: quiet)
        let client = try registry.client(for: target.domain, global: global)
        defer { client.shutdownBlocking() }
        progress.say("The push refers to repository [\(target.repository)]")
        let handler = progress.handler
        let result = try runBlocking {
            try await store.push(image, as: target, client: client, uploadMode: mode, format: manifestFormat, events: handler)
        }
        progress.say("\(target.tag ?? "latest"): digest: \(result.digest) size: \(result.size)")
        if quiet { print(target.familiarName) }
    }
}
