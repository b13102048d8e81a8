import CSwrun
import Foundation
import SwrunCgroups
import SwrunOS
import SwrunSecurity

extension ContainerRuntime {
    /// `swrun run` in the foreground: creates the container, starts it, relays
    /// signals, waits, cleans up, and returns the exit code docker would.
    public func run(image: ImageSnapshot, options: ContainerOptions) throws -> Int32 {
        var clock = StepClock(logger: logger)
        let id = Self.newID()
        let hostname = options.network == "host" ? ProcessInfo.processInfo.hostName : (options.hostname ?? String(id.prefix(12)))
        var spec = try ContainerSpec.build(image: image, options: options, id: id, hostname: hostname)
        clock.step("build spec")

        let name = try options.name.map(Self.validateName) ?? NameGenerator.next()
        var state = ContainerState(
            id: id, name: name, image: image.name, imageID: image.id, command: spec.initConfig.args, created: Date(),
            status: .created, pid: 0, exitCode: 0, startedAt: nil, finishedAt: nil, oomKilled: false,
            autoRemove: options.autoRemove, hostname: hostname, cgroupParent: options.cgroupParent ?? "swrun")
        try containers.create(state)
        let dir = containers.path(of: id)
        clock.step("create container dir")

        do {
            try prepare(&spec, state: state, dir: dir, options: options)
            clock.step("write /etc files")
            let cgroup = self.cgroup(for: state)
            try cgroup.create(limits: spec.limits)
            if let unified = cgroup.unifiedDirectory {
                spec.initConfig.cgroupDirectory = unified
            } else {
                spec.initConfig.cgroupProcsFiles = cgroup.procsFiles
                spec.initConfig.cgroupV1Controllers = Self.v1Hierarchies(root: cgroupRoot)
            }
            clock.step("create cgroup")
            if let profile = spec.seccompProfile {
                spec.initConfig.seccompFilter = try SeccompCompiler.cachedFilter(
                    profileJSON: profile, capabilities: spec.capabilities, cacheDir: root + "/cache/seccomp")
            }
            clock.step("seccomp filter")

            let process = try InitProcess.spawn(config: spec.initConfig)
            clock.step("spawn swrun-init")
            let signals = try SignalRelay(signals: [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2])
            defer { signals.restore() }
            let pid = try process.waitStarted()
            clock.step("container started (pid \(pid))")
            state.status = .running
            state.pid = pid
            state.startedAt = Date()
            try containers.save(state)

            let status = try process.waitExited(relaying: signals, to: pid)
            clock.step("container exited")
            state.status = .exited
            state.exitCode = Self.exitCode(status)
            state.finishedAt = Date()
            state.oomKilled = cgroup.oomKilled()
            try finish(state)
            clock.step("cleanup")
            return state.exitCode
        } catch {
            state.status = .exited
            state.exitCode = 125
            state.finishedAt = Date()
            if let failure = error as? ContainerStartFailure { state.exitCode = failure.exitCode }
            try? finish(state)
            throw error
        }
    }

    /// Writes the runtime's /etc files and adds their bind mounts.
    private func prepare(_ spec: inout ContainerSpec, state: ContainerState, dir: String, options: ContainerOptions) throws {
        try FileIO.writeFile(dir + "/hostname", state.hostname + "\n")
        var hosts = DockerDefaults.hosts
        if options.network != "host" { hosts += "127.0.0.1\t\(state.hostname)\n" }
        try FileIO.writeFile(dir + "/hosts", options.network == "host" ? ((try? FileIO.readString("/etc/hosts")) ?? hosts) : hosts)
        try FileIO.writeFile(dir + "/resolv.conf", (try? FileIO.readString("/etc/resolv.conf")) ?? "")
        // docker creates a missing host directory of a bind mount.
        for m in spec.initConfig.mounts where m.kind == .bind && !FileIO.exists(m.source) {
            try FileIO.makeDirectories(m.source)
        }
        spec.initConfig.upperDir = dir + "/upper"
        spec.initConfig.workDir = dir + "/work"
        spec.initConfig.rootfs = dir + "/rootfs"
        // The runtime's /etc files: bind-mounted, never written into the upper dir.
        spec.initConfig.mounts += ["hostname", "hosts", "resolv.conf"].map {
            InitMount(kind: .bind, source: dir + "/" + $0, destination: "/etc/" + $0, isFile: true)
        }
    }

    /// Records the final state, or removes everything for `--rm`.
    func finish(_ state: ContainerState) throws {
        try? cgroup(for: state).destroy()
        if state.autoRemove {
            try containers.remove(state.id)
        } else {
            try containers.save(state)
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
        return bytes.map { String(format: "%02x", $0) }.joined()
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

    /// The host's v1 hierarchies ("memory", "cpu,cpuacct", …) to show inside.
    static func v1Hierarchies(root: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return entries.filter { name in
            guard name != "unified" && name != "systemd" else { return false }
            var st = stat()
            return lstat(root + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }.sorted()
    }
}
