import ArgumentParser
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRegistry

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pull", abstract: "Download an image from a registry.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions
    @Flag(name: [.customShort("a"), .customLong("all-tags")], help: "Download all tagged images in the repository.")
    var allTags = false
    @Option(name: .long, help: "Pull this platform of a multi-platform image (os/arch[/variant]).")
    var platform: String?
    @Flag(name: [.customShort("q"), .long], help: "Suppress verbose output.")
    var quiet = false
    @Argument(help: "NAME[:TAG|@DIGEST]")
    var name: String

    mutating func run() throws {
        let reference = try Reference(parsing: name)
        let choice = try platform.map(PlatformChoice.init(parsing:)) ?? .host
        let progress = TransferProgress(.pull, quiet: quiet)
        let store = try global.imageStore()
        let client = try registry.client(for: reference.domain, global: global)
        defer { client.shutdownBlocking() }
        if allTags {
            guard reference.digest == nil, !Self.namesTag(name) else {
                throw SwrunError(.invalidArgument, "tag can't be used with --all-tags/-a")
            }
            let tags = try runBlocking { try await client.tags(repository: reference.path) }
            progress.say("Pulling all tags of \(reference.familiarRepository)")
            for tag in tags {
                let tagged = Reference(domain: reference.domain, path: reference.path, tag: tag, digest: nil)
                try Self.pull(tagged, store: store, client: client, platform: choice, progress: progress, header: true)
            }
            if quiet { print(reference.repository) }
            return
        }
        if reference.tag == "latest" && reference.digest == nil && !Self.namesTag(name) {
            progress.say("Using default tag: latest")
        }
        try Self.pull(reference, store: store, client: client, platform: choice, progress: progress, header: true)
        if quiet { print(reference.fullName) }
    }

    /// Whether the user wrote a tag (`x:1`, not a registry port `host:5000/x`).
    static func namesTag(_ name: String) -> Bool {
        let last = name.split(separator: "/").last ?? ""
        return last.contains(":")
    }

    /// Pulls `reference` with docker's output around it; the image ends up stored.
    @discardableResult
    static func pull(
        _ reference: Reference, store: ImageStore, client: RegistryClient, platform: PlatformChoice,
        progress: TransferProgress, header: Bool
    ) throws -> PullResult {
        let named = reference.digest.map { "@" + $0.string } ?? ":" + (reference.tag ?? "latest")
        if header { progress.say("\(reference.digest?.string ?? reference.tag ?? "latest"): Pulling from \(reference.familiarRepository)") }
        let handler = progress.handler
        let result = try runBlocking {
            try await store.pull(reference, client: client, platform: platform, events: handler)
        }
        progress.say("Digest: \(result.digest)")
        let familiar = reference.familiarRepository + named
        progress.say(result.upToDate ? "Status: Image is up to date for \(familiar)" : "Status: Downloaded newer image for \(familiar)")
        progress.say(reference.fullName)
        return result
    }
}
