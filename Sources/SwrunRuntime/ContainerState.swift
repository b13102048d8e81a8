import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI

/// A container's record in `containers/<id>/state.json`.
public struct ContainerState: Codable, Sendable {
    public enum Status: String, Codable, Sendable {
        case created, running, exited
    }
    public var id: String
    public var name: String
    /// The image name the user gave.
    public var image: String
    public var imageID: String
    /// The command that runs (entrypoint + cmd).
    public var command: [String]
    public var created: Date
    public var status: Status
    /// Host PID of the container's PID 1 while running.
    public var pid: Int32
    public var exitCode: Int32
    public var startedAt: Date?
    public var finishedAt: Date?
    public var oomKilled: Bool
    public var autoRemove: Bool
    public var hostname: String
    /// The cgroup parent ("swrun" or --cgroup-parent); the cgroup is <parent>/<id>.
    public var cgroupParent: String
    /// PID of the container's monitor (swrun-init), which reaps PID 1, writes the log
    /// and the exit file.
    public var monitorPid: Int32?
    /// Started with a terminal (-t) / with stdin open (-i).
    public var tty: Bool?
    public var interactive: Bool?
    /// How many times `start`/`restart` started it again.
    public var restartCount: Int?
    /// The cgroup limits, applied again by `start`.
    public var limits: CgroupLimits?
    /// `--network` as given ("bridge", a network's name, "none", "host", "container:…");
    /// nil in records written before networks existed, which had "none" or "host".
    public var network: String? = nil
    /// `--log-driver` and `--log-opt`s; nil: json-file without options.
    public var logConfig: ContainerLogConfig? = nil
    /// `--restart`; nil: no.
    public var restartPolicy: RestartPolicy? = nil
    /// The healthcheck in effect (the image's with `--health-*` over it); nil: none.
    public var healthcheck: ImageConfigFile.Healthcheck? = nil
    /// The image's labels with `--label`s over them (nil: none recorded).
    public var labels: [String: String]? = nil
    /// `--stop-signal` and `--stop-timeout`: what stop and restart use when not told.
    public var stopSignal: String? = nil
    public var stopTimeout: Int? = nil
    /// `--ipc`, `--pid`, `--uts` as given, and `--shm-size` in bytes (inspect's HostConfig).
    public var ipcMode: String? = nil
    public var pidMode: String? = nil
    public var utsMode: String? = nil
    public var shmSize: Int64? = nil
    /// docker's HostConfig.Binds: the `-v` values with a source (host binds and named
    /// volumes) as given; nil in records written before it was kept.
    public var binds: [String]? = nil

    public var shortID: String { String(id.prefix(12)) }

    /// True when the state says running and PID 1 is really alive; a client killed with
    /// SIGKILL leaves "running" behind, and listing must not believe it.
    public var isRunning: Bool {
        status == .running && pid > 0 && ContainerRuntime.isAlive(pid)
    }
}
