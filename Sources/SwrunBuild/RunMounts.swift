import Glibc
import SwrunDigest
import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS

/// A RUN's `--mount`s as the container's bind mounts and tmpfs, and what they add to
/// the step's cache key (a bind mount's contents; a cache mount's contents do not
/// count, as in BuildKit; a secret counts by its id only).
struct RunMounts {
    /// `-v HOST:CTR[:ro]` specs.
    var volumes: [String] = []
    /// `--tmpfs PATH[:OPTIONS]` specs.
    var tmpfs: [String] = []
    var keyParts: [String] = []
    /// Variables the step's process gets but neither the cache key nor the image
    /// does (`env=` secrets).
    var secretEnv: [String] = []
    /// Variables the mounts set that are part of the step (SSH_AUTH_SOCK).
    var env: [String] = []
    /// Mount targets (absolute, in the container), whose stubs are removed from the layer.
    var targets: [String] = []
    /// Directories made for this step only (copies of read-write binds, stage files).
    var scratch: [String] = []
    /// The tmpfs holding this step's secret files, unmounted at the end.
    var secretDirectory: String?
    /// SSH mounts so far, for BuildKit's default target `/run/buildkit/ssh_agent.N`.
    var sshCount = 0

    init(_ mounts: [RunMount], session: BuildSession, stage: Stage, state: StageState) throws {
        let workdir = state.config.workingDir ?? "/"
        do {
            try add(mounts, session: session, stage: stage, workdir: workdir)
        } catch {
            cleanUp()
            throw error
        }
    }

    private mutating func add(_ mounts: [RunMount], session: BuildSession, stage: Stage, workdir: String) throws {
        for mount in mounts {
            func target() throws -> String {
                guard let target = mount.target, !target.isEmpty else {
                    throw SwrunError(.invalidArgument, "mount type \(mount.kind.rawValue) requires a target")
                }
                return Self.absolute(target, workdir: workdir)
            }
            switch mount.kind {
            case .cache:
                let path = try target()
                let id = mount.id ?? path
                let directory = session.store.root + "/build-cache-mounts/" + Digest.sha256(of: Array(id.utf8)).hex
                if !FileIO.exists(directory) {
                    try FileIO.makeDirectories(directory, mode: mode_t(mount.mode ?? 0o755))
                    if mount.uid != nil || mount.gid != nil {
                        guard chown(directory, mount.uid ?? 0, mount.gid ?? 0) == 0 else { throw SwrunError.system("chown \(directory)") }
                    }
                }
                volumes.append(directory + ":" + path + (mount.readOnly ? ":ro" : ""))
                keyParts.append("cache \(id) \(path) \(mount.readOnly)")
            case .tmpfs:
                let path = try target()
                tmpfs.append(path + (mount.size.map { ":size=\($0)" } ?? ""))
                keyParts.append("tmpfs \(path) \(mount.size ?? 0)")
            case .bind:
                let path = try target()
                let source = mount.source ?? "/"
                var host: String
                if let from = mount.from {
                    let image = try session.image(named: from, before: stage.index)
                    let copy = try session.scratchDirectory("bind")
                    scratch.append(copy)
                    let view = try session.store.overlayView(of: image, upperDir: try session.emptyDirectory())
                    try view.copyOut(BuildSession.cleanPath(source) + (source.hasSuffix("/") || source == "/" ? "/." : ""), to: copy)
                    host = copy
                    if let only = try? FileIO.directoryNames(copy), only.count == 1, source != "/", !source.hasSuffix("/") {
                        host = copy + "/" + only[0]
                    }
                    keyParts.append("bind from \(image.id) \(source) \(path)")
                } else {
                    let resolved = try session.context.resolve([source])
                    guard let first = resolved.first else {
                        throw SwrunError(.notFound, "failed to compute cache key: \"\(source)\": not found")
                    }
                    host = session.context.root + (first.path.isEmpty || first.path == "." ? "" : "/" + first.path)
                    let digest = try LayerCopy.cacheDigest(root: session.context.root, sources: resolved, ignore: session.context.ignore,
                                                           chown: nil, chmod: nil)
                    keyParts.append("bind context \(digest) \(source) \(path)")
                }
                if !mount.readOnly && mount.from == nil {
                    // Writes to a read-write bind are discarded, as in BuildKit: they go to a copy.
                    let copy = try session.scratchDirectory("bind")
                    scratch.append(copy)
                    try FileIO.runChecked("/bin/cp", ["-a", host, copy + "/"])
                    host = copy + "/" + FileIO.baseName(host)
                }
                volumes.append(host + ":" + path + (mount.readOnly ? ":ro" : ""))
            case .secret:
                try addSecret(mount, session: session, workdir: workdir)
                continue
            case .ssh:
                try addSSH(mount, session: session, workdir: workdir)
                continue
            }
            targets.append(try target())
        }
    }

    static func absolute(_ target: String, workdir: String) -> String {
        BuildSession.cleanPath(target.hasPrefix("/") ? target : workdir + "/" + target)
    }

    func cleanUp() {
        if let secretDirectory { Self.unmountSecrets(secretDirectory) }
        for directory in scratch { try? FileIO.removeTree(directory) }
    }
}
