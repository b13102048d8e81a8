import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunNetwork
import SwrunOCI
import SwrunOS
import SwrunSecurity

/// What `run` and `create` made before a start (`ContainerRuntime.makeContainer`).
struct MadeContainer {
    var state: ContainerState
    /// The translated config swrun-init gets.
    var config: InitConfig
    var runtimeSpec: RuntimeSpec
    var attachedNetwork: Bool
    var hasAnonymousVolumes: Bool
    /// `run`'s cgroup, being made on a thread of its own; `launch` joins it.
    var cgroupMade: ThreadTask<Void>?

    /// Writes the container's records: the spec (for inspect and update) and init.bin
    /// (for start and exec). The spec is kept without the seccomp profile: the filter
    /// the container runs under is compiled into init.bin, nothing reads the profile
    /// back, and encoding its ~300 rules was the largest part of writing the spec.
    func writeRecords(in containers: ContainerStore) throws {
        var stored = runtimeSpec
        stored.linux?.seccomp = nil
        try FileIO.writeFile(containers.specPath(of: state.id), bytes: try stored.encoded(pretty: false), mode: 0o600)
        try FileIO.writeFile(containers.initConfigPath(of: state.id), bytes: config.encoded(), mode: 0o600)
    }
}

/// How `run` or `start` ended for the caller.
public enum RunOutcome: Sendable, Equatable {
    /// Attached until PID 1 ended with this docker exit code.
    case exited(Int32)
    /// Started in the background (-d) or the user detached; the container runs on.
    case running(id: String)
}

extension ContainerRuntime {
    /// `swrun run`: creates the container and starts it, attached (relaying its
    /// streams until it ends) or detached (`detach`).
    public func run(image: ImageSnapshot, options: ContainerOptions, detach: Bool, attach: AttachOptions) throws -> RunOutcome {
        var clock = StepClock(logger: logger)
        // swrun-init starts up (exec, its runtime's set-up) while this process makes the
        // container; it waits for its config on the socket.
        let monitor = try MonitorClient.spawn(config: nil)
        let made: MadeContainer
        do {
            made = try makeContainer(image: image, options: options, startNow: true, clock: &clock)
        } catch {
            monitor.disconnect()
            throw error
        }
        let (state, config, id) = (made.state, made.config, made.state.id)
        // The records are written while the container starts: swrun-init gets its config
        // on the socket. A container that outlives this run has them made durable then too.
        do {
            let outcome = try launch(state, config: config, detach: detach, attach: attach, clock: &clock,
                                     cgroupMade: made.cgroupMade, monitor: monitor) { [containers] in
                try made.writeRecords(in: containers)
                if !state.autoRemove { try containers.syncRecords(of: id) }
            }
            // An attached --rm container is gone now: its anonymous volumes go too.
            if case .exited = outcome, state.autoRemove, made.hasAnonymousVolumes { VolumeStore(root: root).sweepOrphans() }
            return outcome
        } catch {
            // A container that never started has no monitor to release its network.
            if made.attachedNetwork { try? detachNetwork(of: id) }
            throw error
        }
    }

    /// `swrun create`: the container as `run` makes it, with its records written
    /// durably, not started (its network is set up by `start`).
    public func create(image: ImageSnapshot, options: ContainerOptions) throws -> ContainerState {
        var clock = StepClock(logger: logger)
        let made = try makeContainer(image: image, options: options, startNow: false, clock: &clock)
        let id = made.state.id
        do {
            try made.writeRecords(in: containers)
            try containers.syncRecords(of: id)
        } catch {
            try? containers.remove(id)
            throw error
        }
        return made.state
    }

    /// What `run` and `create` make before a start: the checked network request, the
    /// spec, the container's directory and record (created), its /etc files, and the
    /// translated config. `startNow` (run): set the bridge network up, and make the
    /// cgroup on a thread of its own meanwhile (`cgroupMade`, joined by `launch`); or
    /// only keep the network request for `start` (create).
    private func makeContainer(image: ImageSnapshot, options: ContainerOptions, startNow: Bool, clock: inout StepClock) throws
        -> MadeContainer
    {
        let id = Self.newID()
        let plan = NetworkPlan(options.network)
        let hostname = plan == .host || options.uts == "host" ? ProcessInfo.processInfo.hostName : (options.hostname ?? String(id.prefix(12)))
        let name = try options.name.map(Self.validateName) ?? NameGenerator.next()
        var request: NetworkRequest?
        var joinedNamespace: String?
        switch plan {
        case .bridge(let network):
            request = try networkRequest(id: id, name: name, hostname: hostname, network: network, options: options, image: image)
            joinedNamespace = NetworkPaths(root: root).namespace(of: id)
        case .container(let other):
            joinedNamespace = try networkNamespace(ofContainer: other)
        case .none, .host:
            break
        }
        let volumePlan = try planVolumes(options: options, image: image)
        let spec = try ContainerSpec.build(image: image, options: options, id: id, hostname: hostname, networkNamespace: joinedNamespace,
                                           sharedNamespaces: try sharedNamespaces(for: options))
        clock.step("build spec")

        var state = ContainerState(
            id: id, name: name, image: image.name, imageID: image.id, command: spec.runtimeSpec.process?.args ?? [], created: Date(),
            status: .created, pid: 0, exitCode: 0, startedAt: nil, finishedAt: nil, oomKilled: false,
            autoRemove: options.autoRemove, hostname: hostname, cgroupParent: options.cgroupParent ?? "swrun",
            monitorPid: nil, tty: options.tty, interactive: options.interactive, restartCount: 0, limits: spec.limits)
        state.network = options.network
        state.record(options, image: image)
        state.binds = MountRequest.bindsGiven(options.volumes)
        state.logConfig = options.logConfig
        state.logConfig?.pickAttributes(labels: state.labels ?? [:], env: spec.runtimeSpec.process?.env ?? [])
        state.restartPolicy = options.restartPolicy.flatMap { $0.isNone ? nil : $0 }
        state.healthcheck = ContainerHealth.resolve(image: image.healthcheck, flags: options.healthcheck)
        // v1's eight hierarchies cost ~0.8 ms of mkdirs and writes, independent of what
        // follows: they are made while this thread makes the container's files.
        let cgroupMade = startNow ? try? ThreadTask { [self, state] in try cgroup(for: state).create(limits: state.limits ?? CgroupLimits()) } : nil
        do {
            return try makeContainer(state: state, spec: spec, image: image, options: options, request: request,
                                     volumePlan: volumePlan, startNow: startNow, cgroupMade: cgroupMade, clock: &clock)
        } catch {
            if let cgroupMade {
                _ = try? cgroupMade.value()
                try? cgroup(for: state).destroy()
            }
            throw error
        }
    }

    /// makeContainer's steps from the container's record on.
    private func makeContainer(state: ContainerState, spec: ContainerSpec, image: ImageSnapshot, options: ContainerOptions,
                               request: NetworkRequest?, volumePlan: VolumePlan, startNow: Bool, cgroupMade: ThreadTask<Void>?,
                               clock: inout StepClock) throws
        -> MadeContainer
    {
        var state = state
        var spec = spec
        let id = state.id
        try containers.create(state)
        try writeCIDFile(options.cidFile, id: id)
        let layout = containers.filesystem(of: id)
        if let policy = state.restartPolicy { try setRestartPolicy(policy, of: &state) }
        // Before the monitor exists: it records `start` and `die` with these attributes,
        // after this `create`.
        do {
            try containers.writeEventAttributes(state)
        } catch {
            try? containers.remove(id)
            throw error
        }
        containers.recordEvent("create", of: state)
        clock.step("create container dir")

        var attachment: NetworkAttachment?
        do {
            if let request {
                if startNow {
                    attachment = try attachNetwork(request)
                    clock.step("network set up (swrun-net)")
                } else {
                    try storeNetworkRequest(request)
                }
            }
            try attachVolumes(volumePlan, to: &spec, id: id, image: image, autoRemove: options.autoRemove)
            try prepare(&spec, state: state, layout: layout, options: options, attachment: attachment)
            var translated = try InitConfig(
                spec: spec.runtimeSpec,
                rootfs: .overlay(layers: image.layerDirs, upperDir: layout.upperDir, workDir: layout.workDir, target: layout.rootfs),
                bundle: layout.directory, seccompCacheDir: root + "/cache/seccomp")
            translated.useInit = spec.useInit
            translated.openStdin = options.interactive
            if request != nil { translated.exitCommand = networkExitCommand(for: id) }
            clock.step("write /etc files, translate spec, seccomp filter")
            return MadeContainer(state: state, config: translated, runtimeSpec: spec.runtimeSpec, attachedNetwork: attachment != nil,
                                 hasAnonymousVolumes: volumePlan.hasAnonymousVolumes, cgroupMade: cgroupMade)
        } catch {
            if attachment != nil { try? detachNetwork(of: id) }
            let mounts = ContainerMounts.read(containerDirectory: layout.directory)
            try? containers.remove(id)
            removeAnonymousVolumes(mounts)
            throw error
        }
    }

    /// `swrun start`: starts a stopped container again with the same config and upper
    /// dir, so its changes persist.
    /// `policyRestartDelay`: this start is the monitor's restart by the policy, after a
    /// backoff of that many ms (counted in RestartCount); a user's start ends a stop's
    /// hold on the policy instead.
    public func start(_ state: ContainerState, detach: Bool, attach: AttachOptions, policyRestartDelay: Int? = nil) throws -> RunOutcome {
        if state.isRunning { return .running(id: state.id) }
        // docker counts a restarting container as running: its policy starts it.
        if policyRestartDelay == nil && isRestarting(state) { return .running(id: state.id) }
        // The policy's restart is over when this returns, started or not.
        defer { if policyRestartDelay != nil { RestartingRecord.remove(in: containers.path(of: state.id)) } }
        let bytes = try FileIO.readFile(containers.initConfigPath(of: state.id))
        var config = try InitConfig(decoding: bytes)
        config.openStdin = attach.stdin || (state.interactive ?? false)
        var state = state
        state.status = .created
        if let delay = policyRestartDelay {
            state.restartCount = (state.restartCount ?? 0) + 1
            config.restartDelayMillis = UInt64(max(0, delay))
        } else {
            markStoppedByUser(state.id, false)
        }
        unlink(containers.path(of: state.id) + "/" + ExitRecord.fileName)
        var clock = StepClock(logger: logger)
        if let attachment = try reattachNetwork(of: state.id) {
            // The addresses may differ from the last run's.
            try writeNetworkFiles(containers.filesystem(of: state.id), hostname: state.hostname,
                                  request: try storedNetworkOptions(of: state.id), attachment: attachment)
        }
        do {
            return try launch(state, config: config, detach: detach, attach: attach, clock: &clock)
        } catch {
            try? detachNetwork(of: state.id)
            throw error
        }
    }

    /// Creates the cgroup, spawns the monitor, waits for the container to exec, and
    /// then detaches or attaches.
    /// `whileStarting` runs between the spawn and the container's exec; if it fails, the
    /// container is killed and the run fails.
    private func launch(
        _ state: ContainerState, config: InitConfig, detach: Bool, attach: AttachOptions, clock: inout StepClock,
        cgroupMade: ThreadTask<Void>? = nil, monitor: MonitorClient? = nil, whileStarting: () throws -> Void = {}
    ) throws -> RunOutcome {
        var state = state
        var config = config
        let cgroup = self.cgroup(for: state)
        let client: MonitorClient
        let pid: Int32
        do {
            if let cgroupMade {
                try cgroupMade.value()
            } else {
                try cgroup.create(limits: state.limits ?? CgroupLimits())
            }
            config.place(in: cgroup, cgroupRoot: cgroupRoot)
            clock.step("create cgroup")
            let dir = containers.path(of: state.id)
            config.logPath = state.logConfig?.type == "none" ? "" : containers.logPath(of: state.id)
            config.logMaxBytes = UInt64(max(0, state.logConfig?.maxBytes ?? 0))
            config.logMaxFiles = UInt64(max(1, state.logConfig?.maxFiles ?? 1))
            config.logAttributes = state.logConfig?.attributesJSON ?? ""
            if let check = state.healthcheck {
                unlink(dir + "/" + Self.healthFile)  // this run starts over
                config.healthCommand = [Self.swrunBinaryPath, "--root", root, "healthcheck", "run", state.id]
                config.healthIntervalMillis = UInt64((check.interval ?? ContainerHealth.defaultInterval) / 1_000_000)
                config.healthStartPeriodMillis = UInt64((check.startPeriod ?? 0) / 1_000_000)
                config.healthStartIntervalMillis = UInt64((check.startInterval ?? ContainerHealth.defaultStartInterval) / 1_000_000)
            }
            if !state.autoRemove {
                config.restartCommand = [Self.swrunBinaryPath, "--root", root, "start", state.id, "--policy-restart-delay"]
                config.restartCount = UInt64(max(0, state.restartCount ?? 0))
            }
            config.exitPath = dir + "/" + ExitRecord.fileName
            config.autoRemoveDirectory = state.autoRemove ? dir : ""
            if let monitor {
                try monitor.configure(config)
                client = monitor
            } else {
                client = try MonitorClient.spawn(config: config)
            }
            clock.step("spawn swrun-init")
            let written = Result { try whileStarting() }
            pid = try client.waitStarted()
            if case .failure(let error) = written {
                Glibc.kill(pid, SIGKILL)
                client.hangUp()
                throw error
            }
            clock.step("container started (pid \(pid)), files written meanwhile")
        } catch {
            monitor?.disconnect()
            try? cgroup.destroy()
            let code = SwrunError.exitStatus(for: error)
            if state.autoRemove {
                try? containers.remove(state.id)
            } else {
                state.status = .exited
                state.exitCode = code
                state.finishedAt = Date()
                try? containers.save(state)
                try? ExitRecord(exitCode: code, finishedNanos: ExitRecord.nowNanos(), oomKilled: false)
                    .write(to: containers.path(of: state.id) + "/" + ExitRecord.fileName)
            }
            throw error
        }

        state.status = .running
        state.pid = pid
        state.monitorPid = client.pid
        state.startedAt = Date()
        state.finishedAt = nil
        // Not fsynced: the fsyncs would add 0.5 ms and more to every start (more when
        // other writers keep the journal busy). The rename replaces the record `run`
        // made durable while the container started (or an earlier one); ext4 and btrfs
        // write a file renamed over another before the rename commits, so a crash
        // leaves one whole record or the other. What a crash loses (running, the
        // pid) is stale after it anyway.
        try containers.save(state, durability: .atomic)
        if detach {
            client.disconnect()
            return .running(id: state.id)
        }
        let result = try client.attach(attach, containerPid: pid)
        switch result {
        case .detached:
            return .running(id: state.id)
        case .exited(let code):
            client.hangUp()
            clock.step("container exited, monitor cleaned up")
            return .exited(code)
        }
    }

    /// Writes the runtime's /etc files and adds their bind mounts, and sizes the terminal.
    private func prepare(_ spec: inout ContainerSpec, state: ContainerState, layout: ContainerFilesystemLayout, options: ContainerOptions,
                         attachment: NetworkAttachment?) throws {
        try FileIO.writeFile(layout.runtimeFile("hostname"), state.hostname + "\n")
        let dnsOptions = NetworkFileOptions(options)
        if attachment != nil || !dnsOptions.isEmpty {
            try FileIO.writeFile(containers.path(of: state.id) + "/network-options.json", bytes: Array(try JSONEncoder().encode(dnsOptions)),
                                 mode: 0o600)
        }
        if NetworkPlan(options.network) == .host && dnsOptions.isEmpty {
            try FileIO.writeFile(layout.runtimeFile("hosts"), (try? FileIO.readString("/etc/hosts")) ?? ContainerNetworkFiles.localhostLines)
            try FileIO.writeFile(layout.runtimeFile("resolv.conf"), (try? FileIO.readString("/etc/resolv.conf")) ?? "")
        } else {
            try writeNetworkFiles(layout, hostname: state.hostname, request: dnsOptions, attachment: attachment)
        }
        // docker creates a missing host directory of a bind mount.
        for m in spec.runtimeSpec.mounts ?? [] where m.type == "bind" {
            if let source = m.source, !FileIO.exists(source) { try FileIO.makeDirectories(source) }
        }
        if options.tty {
            var rows: UInt16 = 0
            var cols: UInt16 = 0
            if sw_get_winsize(0, &rows, &cols) == 0 || sw_get_winsize(1, &rows, &cols) == 0, rows > 0 {
                spec.runtimeSpec.process?.consoleSize = RuntimeSpec.ConsoleSize(height: UInt(rows), width: UInt(cols))
            }
        }
        // The runtime's /etc files: bind-mounted, never written into the upper dir.
        spec.runtimeSpec.mounts = (spec.runtimeSpec.mounts ?? []) + ContainerFilesystemLayout.runtimeFileNames.map {
            RuntimeSpec.Mount(destination: "/etc/" + $0, type: "bind", source: layout.runtimeFile($0), options: ["rbind", "rw"])
        }
    }

    /// docker's exit code for a wait status: the code, or 128+N for signal N.
    static func exitCode(_ status: Int32) -> Int32 {
        if sw_wifsignaled(status) != 0 { return 128 + sw_wtermsig(status) }
        return sw_wexitstatus(status)
    }

    static func newID() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        _ = sw_getrandom(&bytes, 32)
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as docker.
    static func validateName(_ name: String) throws -> String {
        let trimmed = name.hasPrefix("/") ? String(name.dropFirst()) : name
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = trimmed.first, first.isASCII, first.isLetter || first.isNumber,
              trimmed.allSatisfy({ allowed.contains($0) }) else {
            throw SwrunError(.invalidArgument, "Invalid container name (\(name)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        return trimmed
    }

}
