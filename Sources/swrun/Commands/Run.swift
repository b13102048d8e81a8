import ArgumentParser
import SwrunOCI
import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Create and run a container from an image.",
        // -h is --hostname, as in docker.
        helpNames: [.long]
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup(title: "Process") var process: ProcessFlags
    @OptionGroup(title: "Resources") var resources: ResourceFlags
    @OptionGroup(title: "Security") var security: SecurityFlags
    @OptionGroup(title: "Network") var networking: NetworkFlags
    @OptionGroup(title: "Logging") var logging: LogFlags
    @OptionGroup(title: "Restart") var restartFlags: RestartFlags
    @OptionGroup(title: "Health") var health: HealthFlags
    @OptionGroup(title: "Volumes") var volumeFlags: VolumeFlags
    @OptionGroup(title: "Lifecycle") var lifecycle: LifecycleFlags
    @OptionGroup(title: "Host sharing and devices") var host: HostFlags

    @Option(name: .long, help: "Assign a name to the container.")
    var name: String?
    @Option(name: [.customShort("h"), .long], help: "Container host name.")
    var hostname: String?
    @Flag(name: .long, help: "Remove the container when it exits.")
    var rm = false
    @Flag(name: [.customShort("d"), .long], help: "Run the container in the background and print its ID.")
    var detach = false
    @Option(name: .customLong("detach-keys"), help: "Override the key sequence for detaching a container.")
    var detachKeys: String = AttachOptions.defaultDetachKeys
    @Option(name: .long, help: "Override the image's ENTRYPOINT.")
    var entrypoint: String?
    @Flag(name: .customLong("read-only"), help: "Mount the container's root filesystem read-only.")
    var readOnly = false
    @Option(name: .long, help: "Mount a tmpfs: PATH[:OPTIONS].")
    var tmpfs: [String] = []
    @Option(name: [.customShort("v"), .long], help: "Bind mount a volume: HOST:CONTAINER[:ro].")
    var volume: [String] = []
    @Flag(name: .customLong("init"), help: "Run an init inside the container that forwards signals and reaps processes.")
    var initProcess = false

    @Argument(help: "The image to run.")
    var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.")
    var command: [String] = []

    mutating func run() throws {
        try request().execute()
    }

    /// What the parsed flags ask for.
    func request() throws -> RunRequest {
        var options = try ContainerOptions(process: process, resources: resources, security: security)
        options.name = name
        options.hostname = hostname
        options.autoRemove = rm
        options.entrypoint = entrypoint
        networking.apply(to: &options)
        options.readOnly = readOnly
        options.tmpfs = tmpfs
        options.volumes = volume
        volumeFlags.apply(to: &options)
        options.useInit = initProcess
        options.logConfig = try logging.config()
        options.restartPolicy = try restartFlags.policy(autoRemove: rm)
        options.healthcheck = try health.healthcheck()
        options.command = command
        try options.apply(lifecycle: lifecycle, host: host)
        options.cidFile = lifecycle.cidfile
        return RunRequest(global: global, image: image, options: options, detach: detach, detachKeys: detachKeys,
                          pull: try lifecycle.pullPolicy())
    }
}

/// `swrun run` as asked, whichever parser read the command line (`Run`, or
/// `RunRequest.parseCommon` for the common lines).
struct RunRequest {
    var global: GlobalOptions
    var image: String
    var options: ContainerOptions
    var detach: Bool
    var detachKeys: String
    /// `--pull`: always, missing (the default) or never.
    var pull = "missing"

    func execute() throws {
        var options = options
        try Self.checkCIDFile(options.cidFile)
        let attach = try ClientAttach.options(
            interactive: options.interactive, tty: &options.tty, detach: detach, detachKeys: detachKeys)

        let logger = try global.logger()
        let store = try global.imageStore()
        let start = DispatchTime.now().uptimeNanoseconds
        let stored = try Self.resolve(image, pull: pull, store: store, global: global)
        let layers = try store.ensureUnpacked(stored)
        logger.debug("resolve image + layers: \(String(format: "%.2f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)) ms")
        var snapshot = ImageSnapshot(id: stored.id.description, name: image, config: stored.config.config, layerDirs: layers)
        snapshot.contentCopier = VolumeCopyUp.copy
        let runtime = try ContainerRuntime(root: global.storeRoot, logger: logger)
        switch try runtime.run(image: snapshot, options: options, detach: detach, attach: attach) {
        case .exited(let code):
            throw ExitCode(code)
        case .running(let id):
            if detach { print(id) }
        }
    }

    /// The image, seeded or pulled (progress on stderr, as docker) if it is missing.
    static func resolveOrPull(_ name: String, store: ImageStore, global: GlobalOptions) throws -> StoredImage {
        do {
            return try DefaultImages(directory: global.fixtureDirectory).resolve(name, in: store)
        } catch let error as SwrunError where error.code == .notFound {
            guard let reference = try? Reference(parsing: name) else { throw error }
            FileHandle.standardError.write(Data("Unable to find image '\(reference.familiarName)' locally\n".utf8))
            let client = try RegistryOptions.client(for: reference.domain, global: global)
            defer { client.shutdownBlocking() }
            let progress = TransferProgress(.pull, fd: 2, quiet: false)
            return try Pull.pull(reference, store: store, client: client, platform: .host, progress: progress, header: true).image
        }
    }
}
