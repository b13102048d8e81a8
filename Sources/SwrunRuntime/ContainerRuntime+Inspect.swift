import CSwrun
import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunNetwork
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
    /// The OCI runtime spec it was made from (`config.json`); nil for containers made
    /// before swrun wrote one.
    public var spec: RuntimeSpec?
    /// Made with --privileged: /sys read-write in its spec.
    public var privileged: Bool
    public var directory: String
    public var upperDir: String
    public var workDir: String
    public var mergedDir: String
    public var lowerDirs: [String]
    public var hostnamePath: String
    public var hostsPath: String
    public var resolvConfPath: String
    public var logPath: String
    /// `--network` as given: "bridge", a network's name, "none", "host", "container:…".
    public var networkMode: String
    /// What swrun-net set up while the container runs (addresses, ports).
    public var network: NetworkAttachment?
    /// `-p` as asked (host port 0: any), for HostConfig.PortBindings.
    public var requestedPorts: [PortMapping]
    /// Capabilities beyond and short of docker's default set, "CAP_"-less as docker shows them.
    public var capAdd: [String]
    public var capDrop: [String]
    /// `.State.Health` (a container with a healthcheck).
    public var health: ContainerHealth? = nil
    /// Its volumes, binds and `--mount` tmpfs as `mounts.json` records them; empty for
    /// containers with none or made before it was kept.
    public var mountPoints: [MountPoint] = []
    /// Its restart policy is starting it again (docker's "restarting").
    public var restarting = false
}

extension ContainerRuntime {
    public func details(_ state: ContainerState) -> ContainerDetails {
        let layout = containers.filesystem(of: state.id)
        let config = try? InitConfig(decoding: FileIO.readFile(containers.initConfigPath(of: state.id)))
        let spec = try? RuntimeSpec.decode(FileIO.readFile(containers.specPath(of: state.id)))
        let running = state.isRunning
        let privileged = spec?.mounts?.first { $0.destination == "/sys" }.map { !($0.options ?? []).contains("ro") } ?? false
        var capAdd: [String] = []
        var capDrop: [String] = []
        if let bounding = spec?.process?.capabilities?.bounding, !privileged {
            let granted = Set(bounding.map { $0.hasPrefix("CAP_") ? String($0.dropFirst(4)) : $0 })
            let defaults = Set(CapabilitySet.dockerDefault.names.map { String($0.dropFirst(4)) })
            capAdd = granted.subtracting(defaults).sorted()
            capDrop = defaults.subtracting(granted).sorted()
        }
        var details = ContainerDetails(
            state: state, running: running, paused: running && isPaused(state), initConfig: config, spec: spec,
            privileged: privileged,
            directory: layout.directory,
            upperDir: config?.upperDir ?? layout.upperDir,
            workDir: config?.workDir ?? layout.workDir,
            mergedDir: config?.rootfs ?? layout.rootfs,
            lowerDirs: config?.lowerDirs ?? [],
            hostnamePath: layout.runtimeFile("hostname"), hostsPath: layout.runtimeFile("hosts"),
            resolvConfPath: layout.runtimeFile("resolv.conf"),
            logPath: containers.logPath(of: state.id),
            networkMode: state.network ?? spec.map { ($0.linux?.namespaces ?? []).contains { $0.type == "network" } ? "none" : "host" } ?? "",
            network: running ? (try? networkAttachment(of: state.id)) ?? nil : nil,
            requestedPorts: (try? storedNetworkRequest(of: state.id))??.ports ?? [],
            capAdd: capAdd, capDrop: capDrop, mountPoints: ContainerMounts.read(containerDirectory: layout.directory))
        details.health = health(of: state)
        details.restarting = !running && isRestarting(state)
        return details
    }
}
