import CSwrun
import Foundation
import SwrunOS
import SwrunSecurity

/// What the runtime knows about one container, for `inspect`.
public struct ContainerDetails: Sendable {
    public var state: ContainerState
    /// PID 1 alive now (state.json alone can be stale).
    public var running: Bool
    public var paused: Bool
    /// The config the container was created with; nil for containers made before
    /// `init.bin` was kept.
    public var initConfig: InitConfig?
    public var directory: String
    public var upperDir: String
    public var workDir: String
    public var mergedDir: String
    public var lowerDirs: [String]
    public var hostnamePath: String
    public var hostsPath: String
    public var resolvConfPath: String
    public var logPath: String
    /// "none" (own network namespace) or "host"; "" when unknown.
    public var networkMode: String
    /// Capabilities beyond and short of docker's default set, "CAP_"-less as docker shows them.
    public var capAdd: [String]
    public var capDrop: [String]
}

extension ContainerRuntime {
    public func details(_ state: ContainerState) -> ContainerDetails {
        let dir = containers.path(of: state.id)
        let config = try? InitConfig(decoding: FileIO.readFile(containers.initConfigPath(of: state.id)))
        let running = state.isRunning
        var capAdd: [String] = []
        var capDrop: [String] = []
        if let config, !config.privileged {
            let granted = CapabilitySet(mask: config.capabilities)
            let defaults = CapabilitySet.dockerDefault
            let bare = { (name: String) in name.hasPrefix("CAP_") ? String(name.dropFirst(4)) : name }
            capAdd = granted.numbers.filter { !defaults.contains($0) }.map { bare(CapabilitySet.name(forNumber: $0)) }.sorted()
            capDrop = defaults.numbers.filter { !granted.contains($0) }.map { bare(CapabilitySet.name(forNumber: $0)) }.sorted()
        }
        return ContainerDetails(
            state: state, running: running, paused: running && isPaused(state), initConfig: config,
            directory: dir,
            upperDir: config?.upperDir ?? dir + "/upper",
            workDir: config?.workDir ?? dir + "/work",
            mergedDir: config?.rootfs ?? dir + "/rootfs",
            lowerDirs: config?.lowerDirs ?? [],
            hostnamePath: dir + "/hostname", hostsPath: dir + "/hosts", resolvConfPath: dir + "/resolv.conf",
            logPath: containers.logPath(of: state.id),
            networkMode: config.map { $0.namespaces & UInt64(SW_CLONE_NEWNET) != 0 ? "none" : "host" } ?? "",
            capAdd: capAdd, capDrop: capDrop)
    }
}
