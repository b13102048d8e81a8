import ArgumentParser
import Foundation
import SwrunBuild
import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// `swrun build` (also `swrun image build`): a Dockerfile and its context → an image.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build an image from a Dockerfile.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("t"), .long], help: "Name and optionally a tag (NAME[:TAG]).")
    var tag: [String] = []
    @Option(name: [.customShort("f"), .long], help: "Name of the Dockerfile (default: PATH/Dockerfile; - for stdin).")
    var file: String?
    @Option(name: .customLong("build-arg"), help: "Set build-time variables (KEY=VALUE).")
    var buildArg: [String] = []
    @Option(name: .long, help: "Set the target build stage to build.")
    var target: String?
    @Flag(name: .customLong("no-cache"), help: "Do not use cache when building the image.")
    var noCache = false
    @Flag(name: .long, help: "Always attempt to pull a newer version of the base images.")
    var pull = false
    @Flag(name: [.customShort("q"), .long], help: "Suppress the build output and print the image ID on success.")
    var quiet = false
    @Option(name: .long, help: "Write the image ID to the file.")
    var iidfile: String?
    @Option(name: .long, help: "Set metadata for an image (KEY=VALUE).")
    var label: [String] = []
    @Option(name: .long, help: "Set the networking mode for the RUN instructions during build (default, bridge, none, host).")
    var network: String = "default"
    @Option(name: .long, help: "Set the target platform for the build (os/arch[/variant]).")
    var platform: String?
    @Option(name: .long, help: "Set type of progress output: auto, plain or tty.")
    var progress: String = "auto"
    @Option(name: .long, help: "Secret to expose to the build (id=ID[,src=FILE|,env=VAR]).")
    var secret: [String] = []
    @Option(name: .long, help: "SSH agent socket to expose to the build (default|ID[=SOCKET]).")
    var ssh: [String] = []
    @Argument(help: "The build context: a directory, or - for a tar (or a Dockerfile) on stdin.")
    var path: String

    mutating func run() throws {
        let style = try BuildOutput.style(progress: progress, quiet: quiet)
        var options = BuildOptions()
        options.tags = tag
        options.buildArgs = try Self.pairs(buildArg, flag: "build-arg", environment: true)
        options.labels = try Self.pairs(label, flag: "label", environment: false)
        options.target = target
        options.noCache = noCache
        options.pull = pull
        options.quiet = quiet
        options.network = network
        options.platform = platform
        options.progress = progress
        options.sourceDateEpoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) }
        for name in tag { _ = try Reference(parsing: name) }
        let environment = ProcessInfo.processInfo.environment
        do {
            for spec in secret {
                let (id, value) = try BuildSecretFlags.secret(spec, environment: environment)
                options.secrets[id] = value
            }
            for spec in ssh {
                let (id, socket) = try BuildSecretFlags.ssh(spec, environment: environment)
                options.sshSockets[id] = socket
            }
        } catch let error as SwrunError {
            throw CommandFailure(message: error.message, exitCode: 1, cause: error)
        }

        let store = try global.imageStore()
        let runtime = try global.runtime()
        let claim = try Builder.claimScratch(of: store)
        defer { close(claim) }
        let scratch = Builder.scratchRoot(of: store) + "/context-" + UUID().uuidString.prefix(8).lowercased()
        defer { try? FileIO.removeTree(scratch) }
        do {
            let (dockerfileText, dockerfileName, context) = try loadInput(scratch: scratch)
            let dockerfile = try Dockerfile.parse(dockerfileText, fileName: dockerfileName)
            let builder = Builder(store: store, runtime: runtime, output: BuildOutput(style: style, fd: style == .plain ? 2 : 1))
            let global = self.global
            builder.imageSource = { name, pull in try Self.baseImage(name, pull: pull, store: store, global: global) }
            builder.fetchURL = { url, path in try Self.fetch(url, to: path) }
            let image = try builder.build(dockerfile, context: context, options: options)
            if let iidfile { try FileIO.writeFile(iidfile, image.id.string) }
        } catch let error as SwrunError {
            throw CommandFailure(message: error.message, exitCode: 1, cause: error)
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
    }

    /// The Dockerfile's text and name, and the context: a directory, a tar on stdin, or
    /// none (a Dockerfile on stdin, `swrun build - < Dockerfile`).
    private func loadInput(scratch: String) throws -> (String, String, BuildContext) {
        if path == "-" {
            try FileIO.makeDirectories(scratch)
            let input = try FileIO.readAll(0)
            if Self.isArchive(input) {
                let archive = scratch + ".tar"
                try FileIO.writeFile(archive, bytes: input, mode: 0o600)
                defer { unlink(archive) }
                let fd = open(archive, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SwrunError.system("open \(archive)") }
                defer { close(fd) }
                let context = try BuildContext.tar(fd: fd, scratch: scratch + "/context")
                let name = file ?? "Dockerfile"
                guard let text = try? FileIO.readString(context.root + "/" + name) else {
                    throw SwrunError(.notFound, "failed to read dockerfile: open \(name): no such file or directory")
                }
                return (text, name, context)
            }
            guard file == nil || file == "-" else {
                throw SwrunError(.invalidArgument, "the Dockerfile comes on stdin with a context of -: -f cannot name another")
            }
            try FileIO.makeDirectories(scratch + "/context")
            return (String(decoding: input, as: UTF8.self), "Dockerfile", try BuildContext.directory(scratch + "/context", dockerfile: nil))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SwrunError(.notFound, "unable to prepare context: path \"\(path)\" not found")
        }
        if file == "-" {
            let text = String(decoding: try FileIO.readAll(0), as: UTF8.self)
            return (text, "Dockerfile", try BuildContext.directory(path, dockerfile: nil))
        }
        let dockerfilePath = file ?? path + "/Dockerfile"
        guard let text = try? FileIO.readString(dockerfilePath) else {
            throw SwrunError(.notFound, "failed to read dockerfile: open \(FileIO.baseName(dockerfilePath)): no such file or directory")
        }
        return (text, FileIO.baseName(dockerfilePath), try BuildContext.directory(path, dockerfile: dockerfilePath))
    }

    /// A tar (plain or compressed) rather than a Dockerfile, as docker tells them apart.
    static func isArchive(_ bytes: [UInt8]) -> Bool {
        if bytes.count > 262, Array(bytes[257..<262]) == Array("ustar".utf8) { return true }
        let magics: [[UInt8]] = [[0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]]
        return magics.contains { bytes.starts(with: $0) }
    }

    /// `KEY=VALUE` flags; a bare `KEY` of `--build-arg` takes the environment's value (or is dropped).
    static func pairs(_ values: [String], flag: String, environment: Bool) throws -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            let parts = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard !parts[0].isEmpty else { throw SwrunError(.invalidArgument, "invalid argument \"\(value)\" for \"--\(flag)\" flag") }
            if parts.count == 2 {
                result[parts[0]] = parts[1]
            } else if environment, let inherited = ProcessInfo.processInfo.environment[parts[0]] {
                result[parts[0]] = inherited
            } else if !environment {
                result[parts[0]] = ""
            }
        }
        return result
    }

    /// A base image: seeded or found in the store, pulled when missing or with `--pull`.
    static func baseImage(_ name: String, pull: Bool, store: ImageStore, global: GlobalOptions) throws -> StoredImage {
        guard pull, let reference = try? Reference(parsing: name) else {
            return try RunRequest.resolveOrPull(name, store: store, global: global)
        }
        do {
            let client = try RegistryOptions.client(for: reference.domain, global: global)
            defer { client.shutdownBlocking() }
            let progress = TransferProgress(.pull, fd: 2, quiet: false)
            return try Pull.pull(reference, store: store, client: client, platform: .host, progress: progress, header: true).image
        } catch {
            // An offline default image (busybox, debian) has no registry to ask.
            if let seeded = try? DefaultImages(directory: global.fixtureDirectory).resolve(name, in: store) { return seeded }
            throw error
        }
    }
}
