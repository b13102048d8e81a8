import Foundation
import SwrunImage
import SwrunOS
import SwrunRuntime

extension Ps {
    /// The containers to list, newest first: running ones unless `-a`, `-n`, `-l` or a
    /// status filter asks for all, then `--filter`, then the `-n`/`-l` count.
    func selected(_ runtime: ContainerRuntime) throws -> [ContainerState] {
        let filter = try Self.resolvedFilter(self.filter, runtime: runtime, global: global)
        let limit = latest ? 1 : last
        let everyState = all || limit > 0 || filter.contains("status")
        var shown: [ContainerState] = []
        for state in try runtime.containers.list() {
            // docker lists a restarting container with the running ones.
            if !everyState && !state.isRunning && !runtime.isRestarting(state) { continue }
            if !filter.values.isEmpty && !filter.matches(Self.facts(state, runtime: runtime, mounts: filter.contains("volume"),
                                                                    health: filter.contains("health"))) { continue }
            shown.append(state)
            if limit > 0 && shown.count == limit { break }
        }
        return shown
    }

    /// The filter with its image and container references looked up, as docker does:
    /// `ancestor` takes the image and every image built on it; `before`/`since` the
    /// named container's creation time.
    static func resolvedFilter(_ arguments: [String], runtime: ContainerRuntime, global: GlobalOptions,
                               allowed: Set<String> = ContainerFilter.psKeys) throws -> ContainerFilter {
        var filter = try ContainerFilter(arguments, allowed: allowed)
        if let ancestors = filter.values["ancestor"] {
            let store = try global.imageStore()
            let images = try store.list()
            for name in ancestors {
                guard let ancestor = try? store.resolve(name) else { continue }
                let base = ancestor.config.rootfs.diffIDs
                for image in images where image.id == ancestor.id || image.config.rootfs.diffIDs.starts(with: base) && !base.isEmpty {
                    filter.ancestorImageIDs.insert(image.id.description)
                }
            }
        }
        if let reference = filter.values["before"]?.last { filter.before = try runtime.containers.lookup(reference).created }
        if let reference = filter.values["since"]?.last { filter.since = try runtime.containers.lookup(reference).created }
        return filter
    }

    /// What the filters look at of `state`; its mounts are read from its spec only when asked.
    static func facts(_ state: ContainerState, runtime: ContainerRuntime, mounts: Bool, health: Bool = false) -> ContainerFacts {
        let running = state.isRunning
        let status = running ? (runtime.isPaused(state) ? "paused" : "running")
            : runtime.isRestarting(state) ? "restarting" : state.status == .created ? "created" : "exited"
        var points: [String] = []
        if mounts, let spec = runtime.details(state).spec {
            for m in spec.mounts ?? [] where m.type == "bind" && !(m.source ?? "").hasPrefix(runtime.containers.path(of: state.id)) {
                points += [m.source ?? "", m.destination]
            }
        }
        let network = state.network.map { $0.isEmpty ? "bridge" : $0 } ?? "none"
        return ContainerFacts(id: state.id, name: state.name, labels: state.labels ?? [:], status: status, exitCode: state.exitCode,
                              imageID: state.imageID, created: state.created, health: health ? healthWord(state, runtime: runtime) : "none",
                              mountPoints: points, networks: [network])
    }

    /// docker's health filter word: none without a healthcheck or before the first
    /// start, the running container's status (starting, healthy, unhealthy), and
    /// unhealthy once it has stopped (docker sets that when its probes stop).
    static func healthWord(_ state: ContainerState, runtime: ContainerRuntime) -> String {
        guard let health = runtime.health(of: state), state.status != .created else { return "none" }
        return state.isRunning ? health.status : "unhealthy"
    }

    /// docker's `{{.Label "key"}}` is a method call; the template engine has no methods,
    /// so it reads the row's label map instead (`index .LabelMap "key"`).
    static func rewritingLabelCalls(_ format: String) -> String {
        guard let call = try? Regex(#"\.Label\s+""#) else { return format }
        return format.replacing(call, with: "index .LabelMap \"")
    }
}

extension ContainerRow {
    /// docker's SIZE: the writable layer, and with the image's layers "(virtual …)".
    func sizeColumn() -> String {
        let writable = ContainerRuntime.writableLayerSize(of: state, in: runtime)
        let image = (try? ImageStore(root: runtime.root).resolve(state.imageID)).map(Images.size) ?? 0
        return Self.humanSize(writable) + " (virtual " + Self.humanSize(writable + UInt64(max(image, 0))) + ")"
    }

    /// docker's units.HumanSizeWithPrecision(size, 3): decimal units, three significant digits.
    static func humanSize(_ bytes: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var size = Double(bytes)
        var unit = 0
        while size >= 1000 && unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return String(format: "%.3g", size) + units[unit]
    }
}
