import SwrunOCI

/// What `swrun run` was asked for, after flag parsing; the runtime turns it and the
/// image into a container.
public struct ContainerOptions: Sendable, Equatable {
    public var name: String?
    public var hostname: String?
    /// `-e` / `--env-file` entries, in order (`KEY=VALUE`, or `KEY` to copy the host's).
    public var env: [String] = []
    public var workdir: String?
    public var user: String?
    public var groupAdd: [String] = []
    /// `--entrypoint`: nil keeps the image's; "" clears it.
    public var entrypoint: String?
    public var command: [String] = []
    /// `bridge` (docker's default network), a user network's name, `none` (own
    /// network namespace with only lo), `host`, or `container:NAME`.
    public var network = "bridge"
    /// `-p` specs as given; `-P` publishes every port the image exposes.
    public var publish: [String] = []
    public var publishAll = false
    public var ip: String?
    public var ip6: String?
    public var networkAliases: [String] = []
    public var macAddress: String?
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOptions: [String] = []
    /// `--add-host NAME:IP` as given.
    public var addHosts: [String] = []
    public var capAdd: [String] = []
    public var capDrop: [String] = []
    public var privileged = false
    /// `--security-opt` values: `seccomp=FILE|unconfined`, `no-new-privileges[=true|false]`.
    public var securityOpts: [String] = []
    public var readOnly = false
    /// `--tmpfs PATH[:OPTIONS]`.
    public var tmpfs: [String] = []
    /// `-v HOST:CTR[:ro|rw]`.
    public var volumes: [String] = []
    /// `--mount type=bind|volume|tmpfs,…` as given.
    public var mounts: [String] = []
    /// `--volumes-from CONTAINER[:ro|:rw]` as given.
    public var volumesFrom: [String] = []
    public var memory: Int64?
    public var memorySwap: Int64?
    public var cpus: Double?
    public var cpuShares: UInt64?
    public var pidsLimit: Int64?
    /// `--ulimit NAME=SOFT[:HARD]`.
    public var ulimits: [String] = []
    public var useInit = false
    public var autoRemove = false
    /// `--log-driver` / `--log-opt`, checked (nil: json-file, no options).
    public var logConfig: ContainerLogConfig?
    /// `--restart` (nil: no).
    public var restartPolicy: RestartPolicy?
    /// `--health-*` (fields left nil take the image's); `--no-healthcheck` is `["NONE"]`.
    public var healthcheck: ImageConfigFile.Healthcheck?
    public var cgroupParent: String?
    public var tty = false
    public var interactive = false
    /// `--label`/`--label-file`, merged over the image's labels.
    public var labels: [String: String] = [:]
    /// `--stop-signal` (a name or number) and `--stop-timeout` seconds, the defaults of stop/restart.
    public var stopSignal: String?
    public var stopTimeout: Int?
    /// `--shm-size` in bytes (docker's default 64 MiB when nil).
    public var shmSize: Int64?
    /// `--device HOST[:CONTAINER[:PERMS]]` as given.
    public var devices: [String] = []
    /// `--sysctl KEY=VALUE` as given.
    public var sysctls: [String] = []
    /// `--ipc` (private, shareable, host, container:X), `--pid` (host, container:X), `--uts` (host).
    public var ipc: String?
    public var pid: String?
    public var uts: String?
    public var oomScoreAdj: Int?
    public var cpusetCpus: String?
    public var cpusetMems: String?
    /// `--cidfile`: the container's ID is written there once it exists.
    public var cidFile: String?

    public init() {}
}

/// The parts of an image the runtime needs, filled in by the caller from the image store.
public struct ImageSnapshot: Sendable {
    /// "sha256:…" config digest.
    public var id: String
    /// The name the user gave (`busybox`), shown by `ps`.
    public var name: String
    public var env: [String]
    public var entrypoint: [String]
    public var cmd: [String]
    public var workingDir: String
    public var user: String
    /// Unpacked layer dirs, base first.
    public var layerDirs: [String]
    /// The image's `ExposedPorts` keys ("80/tcp"), which `-P` publishes.
    public var exposedPorts: [String] = []
    /// The image config's `Labels`, under the container's `--label`s.
    public var labels: [String: String] = [:]
    /// The image's HEALTHCHECK.
    public var healthcheck: ImageConfigFile.Healthcheck?
    /// The image's `Volumes` paths: each gets an anonymous volume.
    public var volumes: [String] = []
    /// Fills a new volume from the image's content at its path; nil leaves it empty.
    public var contentCopier: ImageContentCopier?

    public init(id: String, name: String, env: [String], entrypoint: [String], cmd: [String], workingDir: String, user: String, layerDirs: [String]) {
        self.id = id
        self.name = name
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.workingDir = workingDir
        self.user = user
        self.layerDirs = layerDirs
    }

    /// What a container takes from an image: its config's process defaults, over
    /// `layerDirs` (base first). `id` is the config digest, `name` what the user typed.
    public init(id: String, name: String, config: ImageConfigFile.Config?, layerDirs: [String]) {
        self.init(
            id: id, name: name, env: config?.env ?? [], entrypoint: config?.entrypoint ?? [], cmd: config?.cmd ?? [],
            workingDir: config?.workingDir ?? "", user: config?.user ?? "", layerDirs: layerDirs)
        exposedPorts = config?.exposedPorts ?? []
        labels = config?.labels ?? [:]
        healthcheck = config?.healthcheck
        volumes = config?.volumes ?? []
    }
}
