import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunOS

/// A container's mounts beyond its kernel filesystems, parsed and checked before the
/// container is made (`ContainerRuntime.planVolumes`).
public struct VolumePlan: Sendable {
    /// What `attachVolumes` mounts, in order.
    public var requests: [MountRequest] = []
    /// `-v HOST:CTR` binds, which `ContainerSpec` mounts; recorded for inspect.
    public var hostBinds: [MountPoint] = []

    /// Whether the container gets anonymous volumes (which `--rm` removes).
    public var hasAnonymousVolumes: Bool { requests.contains { $0.source == .volume(nil) } }
}

/// Copies the image's content at a path (`path`, in the merged view of `layerDirs`,
/// base first) into a new volume's directory `target`, keeping owners and modes.
/// Returns false when the image has no directory there. Given by the caller, which
/// has the layer code.
public typealias ImageContentCopier = @Sendable (_ path: String, _ layerDirs: [String], _ target: String) throws -> Bool

extension MountRequest {
    /// A `-v` value that is a `/HOST:CTR[:MODE]` bind (read by `OptionParsing.volume`);
    /// `/CTR:MODE` is not one (docker refuses it).
    public static func isHostBind(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        return parts.count >= 2 && parts[0].hasPrefix("/") && !(parts.count == 2 && isMode(parts[1]))
    }
}

extension ContainerRuntime {
    /// Reads `-v`, `--mount`, `--volumes-from` and the image's VOLUMEs into one plan,
    /// with docker's errors, before anything is made.
    public func planVolumes(options: ContainerOptions, image: ImageSnapshot) throws -> VolumePlan {
        var plan = VolumePlan()
        var taken: Set<String> = []
        func take(_ destination: String) throws {
            let clean = Self.cleanPath(destination)
            guard taken.insert(clean).inserted else { throw SwrunError(.invalidArgument, "Duplicate mount point: \(clean)") }
        }
        for text in options.volumes {
            if MountRequest.isHostBind(text) {
                let bind = try OptionParsing.volume(text)
                try take(bind.destination)
                let mode = text.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.map(String.init) ?? ""
                plan.hostBinds.append(MountPoint(type: "bind", source: bind.source, destination: bind.destination, mode: mode,
                                                 rw: bind.flags & MountFlags.readOnly == 0, propagation: "rprivate"))
            } else if let request = try MountRequest.parseVolumeFlag(text) {
                try take(request.destination)
                plan.requests.append(request)
            }
        }
        for text in options.mounts {
            let request = try MountRequest.parseMountFlag(text)
            try take(request.destination)
            plan.requests.append(request)
        }
        for text in options.tmpfs {
            if let path = text.split(separator: ":").first { try take(String(path)) }
        }
        for text in options.volumesFrom {
            for request in try mountsFrom(text) where !taken.contains(Self.cleanPath(request.destination)) {
                taken.insert(Self.cleanPath(request.destination))
                plan.requests.append(request)
            }
        }
        for request in MountRequest.imageVolumes(image.volumes) where !taken.contains(Self.cleanPath(request.destination)) {
            taken.insert(Self.cleanPath(request.destination))
            plan.requests.append(request)
        }
        return plan
    }

    /// `--volumes-from CONTAINER[:ro|:rw]`: that container's volumes and binds, read-only
    /// or read-write as the mode says, else as it has them.
    func mountsFrom(_ text: String) throws -> [MountRequest] {
        var reference = text
        var mode: String?
        if let colon = text.lastIndex(of: ":") {
            reference = String(text[..<colon])
            mode = String(text[text.index(after: colon)...])
        }
        if let mode, mode != "ro" && mode != "rw" { throw SwrunError(.invalidArgument, "invalid mode: \(mode)") }
        let other = try containers.lookup(reference)
        return ContainerMounts.read(containerDirectory: containers.path(of: other.id)).compactMap { point in
            var request: MountRequest
            switch point.type {
            case "volume": request = MountRequest(source: .volume(point.name), destination: point.destination)
            case "bind": request = MountRequest(source: .bind(point.source), destination: point.destination)
            default: return nil
            }
            request.readOnly = mode.map { $0 == "ro" } ?? !point.rw
            request.mode = mode ?? point.mode
            request.propagation = point.type == "bind" ? point.propagation : ""
            // A volume another container already uses is never filled again.
            request.noCopy = true
            return request
        }
    }

    /// Makes the plan's volumes (new ones filled from the image), adds their mounts
    /// to the spec and records them in the container's `mounts.json`. Runs once the
    /// container's directory exists, under the volume store's lock, so `volume rm`
    /// sees the container as a user from then on.
    public func attachVolumes(_ plan: VolumePlan, to spec: inout ContainerSpec, id: String, image: ImageSnapshot,
                              autoRemove: Bool) throws {
        guard !plan.requests.isEmpty else {
            // Plain binds need no volume lock, and no fsync on the start path: a record
            // a crash loses only leaves inspect to read the binds from the spec.
            if !plan.hostBinds.isEmpty {
                try ContainerMounts.write(plan.hostBinds, containerDirectory: containers.path(of: id), durability: .atomic)
            }
            return
        }
        let store = VolumeStore(root: root)
        var points = plan.hostBinds
        var mounts: [RuntimeSpec.Mount] = []
        try store.withLock {
            var made: [String] = []
            do {
                for request in plan.requests {
                    let (point, mount) = try attach(request, store: store, containerID: id, image: image, autoRemove: autoRemove,
                                                    made: &made)
                    points.append(point)
                    mounts.append(mount)
                }
                try ContainerMounts.write(points, containerDirectory: containers.path(of: id))
            } catch {
                for name in made { try? store.removeLocked(name) }
                throw error
            }
        }
        spec.runtimeSpec.mounts = Self.sortedByDepth((spec.runtimeSpec.mounts ?? []) + mounts)
    }

    private func attach(_ request: MountRequest, store: VolumeStore, containerID: String, image: ImageSnapshot, autoRemove: Bool,
                        made: inout [String]) throws -> (MountPoint, RuntimeSpec.Mount) {
        let access = request.readOnly ? "ro" : "rw"
        switch request.source {
        case .bind(let source):
            let propagation = request.propagation.isEmpty ? "rprivate" : request.propagation
            return (MountPoint(type: "bind", source: source, destination: request.destination, mode: request.mode,
                               rw: !request.readOnly, propagation: propagation),
                    RuntimeSpec.Mount(destination: request.destination, type: "bind", source: source,
                                      options: ["rbind", access, propagation]))
        case .tmpfs(let size, let mode):
            var options = ["nosuid", "nodev", "noexec"]
            if request.readOnly { options.append("ro") }
            if let size { options.append("size=\(size)") }
            if let mode { options.append("mode=" + String(mode, radix: 8)) }
            return (MountPoint(type: "tmpfs", source: "", destination: request.destination, rw: !request.readOnly),
                    RuntimeSpec.Mount(destination: request.destination, type: "tmpfs", source: "tmpfs", options: options))
        case .volume(let given):
            var labels = request.labels
            if given == nil { labels[Volume.anonymousLabel] = "" }
            let wanted = Volume(name: given ?? VolumeStore.randomName(), labels: labels, options: request.driverOptions,
                                removeWith: given == nil && autoRemove ? containerID : nil)
            try VolumeDriverOptions.validate(wanted.options, name: wanted.name)
            let (volume, created) = try store.createLocked(wanted)
            if created { made.append(volume.name) }
            let data = store.dataPath(of: volume.name)
            if !request.noCopy, volume.options["type"] == nil, let copier = image.contentCopier, Self.isEmptyDirectory(data) {
                _ = try copier(request.destination, image.layerDirs, data)
            }
            let mount = try VolumeDriverOptions.mount(volume, dataPath: data, destination: request.destination, readOnly: request.readOnly)
            let mode = request.mode.isEmpty && given != nil ? "z" : request.mode
            return (MountPoint(type: "volume", name: volume.name, source: data, destination: request.destination, driver: volume.driver,
                               mode: mode, rw: !request.readOnly, propagation: ""),
                    RuntimeSpec.Mount(mount))
        }
    }

    /// Removes the container's anonymous volumes that no other container uses
    /// (`rm -v`, `run --rm`). Call once the container is gone.
    public func removeAnonymousVolumes(_ mounts: [MountPoint]) {
        let store = VolumeStore(root: root)
        for point in mounts where point.type == "volume" {
            guard let name = point.name, let volume = try? store.load(name), volume.isAnonymous else { continue }
            try? store.remove(name)
        }
    }

    /// Mounts in docker's order: parents before what is mounted inside them. The
    /// kernel's filesystems stay first; the sort is stable.
    static func sortedByDepth(_ mounts: [RuntimeSpec.Mount]) -> [RuntimeSpec.Mount] {
        let kernelDestinations = Set(DockerDefaults.kernelMounts(privileged: false).map(\.destination))
        let kernel = mounts.prefix { $0.type != "bind" && kernelDestinations.contains($0.destination) }
        let rest = mounts.dropFirst(kernel.count).enumerated().sorted { a, b in
            let da = cleanPath(a.element.destination).split(separator: "/").count
            let db = cleanPath(b.element.destination).split(separator: "/").count
            return da != db ? da < db : a.offset < b.offset
        }.map(\.element)
        return Array(kernel) + rest
    }

    static func cleanPath(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    static func isEmptyDirectory(_ path: String) -> Bool {
        (try? FileIO.directoryNames(path))?.isEmpty ?? false
    }
}
