import CSwrun

/// One mount the container's init performs after `pivot_root`.
public struct InitMount: Sendable, Equatable {
    public enum Kind: UInt64, Sendable {
        /// `source` is a host path, cloned with `open_tree` before `pivot_root`.
        case bind = 0
        /// A fresh filesystem of `fsType` (tmpfs, ...) with `data` options.
        case filesystem = 1
    }
    public var kind: Kind
    public var source: String
    /// Absolute path inside the container; resolved inside its root.
    public var destination: String
    public var fsType: String
    /// `MS_*` flags (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC).
    public var flags: UInt64
    public var data: String
    /// The destination is a file, not a directory (created empty if missing).
    public var isFile: Bool
    /// Propagation applied once mounted (`MS_SHARED|MS_REC`, …); 0 leaves it.
    public var propagation: UInt64

    public init(kind: Kind, source: String, destination: String, fsType: String = "", flags: UInt64 = 0, data: String = "",
                isFile: Bool = false, propagation: UInt64 = 0) {
        self.kind = kind
        self.source = source
        self.destination = destination
        self.fsType = fsType
        self.flags = flags
        self.data = data
        self.isFile = isFile
        self.propagation = propagation
    }
}

/// A device node the container's init creates in its /dev (OCI `linux.devices`).
public struct InitDevice: Sendable, Equatable {
    /// `S_IFCHR`, `S_IFBLK` or `S_IFIFO`.
    public var type: UInt32
    public var path: String
    public var major: UInt32
    public var minor: UInt32
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public init(type: UInt32, path: String, major: UInt32, minor: UInt32, mode: UInt32, uid: UInt32, gid: UInt32) {
        self.type = type
        self.path = path
        self.major = major
        self.minor = minor
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }
}

/// A namespace the container joins instead of creating (OCI `linux.namespaces[].path`).
public struct InitNamespacePath: Sendable, Equatable {
    /// The `CLONE_NEW*` flag of the namespace.
    public var flag: UInt64
    public var path: String
    public init(flag: UInt64, path: String) {
        self.flag = flag
        self.path = path
    }
}

/// One line of a user namespace's uid_map or gid_map.
public struct InitIDMap: Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

/// A resource limit (`RLIMIT_*`).
public struct InitRlimit: Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

/// Everything `swrun-init` needs to set up and start one container process. Built by
/// the runtime from the OCI runtime spec and sent over the sync socket.
public struct InitConfig: Sendable, Equatable {
    /// Overlay lower dirs, topmost first.
    public var lowerDirs: [String] = []
    public var upperDir = ""
    public var workDir = ""
    /// Where the overlay is mounted on the host before `pivot_root`.
    public var rootfs = ""
    public var readonlyRootfs = false
    /// `CLONE_NEW*` flags for the container (cgroup namespace included).
    public var namespaces: UInt64 = 0
    /// v1: the `cgroup.procs` files the container joins before its cgroup namespace.
    public var cgroupProcsFiles: [String] = []
    /// v2: the cgroup directory for `CLONE_INTO_CGROUP`; empty on v1.
    public var cgroupDirectory = ""
    /// v1 hierarchies to show read-only under /sys/fs/cgroup (e.g. "memory", "cpu,cpuacct");
    /// empty with `cgroupDirectory` set means cgroup2.
    public var cgroupV1Controllers: [String] = []
    public var hostname = ""
    public var mounts: [InitMount] = []
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    /// Privileged: /sys read-write, no device cgroup.
    public var privileged = false

    public var args: [String] = []
    public var env: [String] = []
    public var cwd = "/"
    /// `USER[:GROUP]` (names or numbers), resolved by init from the container's own
    /// /etc/passwd and /etc/group once its root is in place; empty means root.
    public var user = ""
    /// Extra supplementary groups (`--group-add`), names or numbers.
    public var additionalGroups: [String] = []
    public var rlimits: [InitRlimit] = []
    public var noNewPrivileges = false
    /// Bounding, effective and permitted set (bit N = capability N).
    public var capabilities: UInt64 = 0
    /// Raw `struct sock_filter` array; empty means unconfined.
    public var seccompFilter: [UInt8] = []
    /// Run a tiny reaper as PID 1 that forwards signals to the command.
    public var useInit = false
    /// Allocate a terminal from the container's own devpts; the monitor holds the master.
    public var tty = false
    public var terminalRows: UInt64 = 24
    public var terminalColumns: UInt64 = 80
    /// Keep stdin open (-i): a pipe the monitor writes what the client sends into.
    public var openStdin = false
    /// Where the monitor writes the container's output (docker's json-file format).
    public var logPath = ""
    /// Rotate the log once it holds this many bytes (0: never), keeping `logMaxFiles`
    /// files (the current one included; 1: truncate instead), as docker's json-file.
    public var logMaxBytes: UInt64 = 0
    public var logMaxFiles: UInt64 = 1
    /// A JSON object each log line carries as `attrs` (`--log-opt labels=…`); empty: none.
    public var logAttributes = ""
    /// What the monitor runs, after the container's end is recorded, when its restart
    /// policy (the container directory's `restart-policy`) says so: `swrun start` of this
    /// container, to which it appends the backoff delay it waited, in ms.
    public var restartCommand: [String] = []
    /// Restarts by the policy so far, and the last backoff delay (ms, 0: none yet).
    public var restartCount: UInt64 = 0
    public var restartDelayMillis: UInt64 = 0
    /// What the monitor runs for each healthcheck (`swrun healthcheck run`; empty: no
    /// healthcheck), every interval after the last one ended, every start interval
    /// while the start period lasts.
    public var healthCommand: [String] = []
    public var healthIntervalMillis: UInt64 = 30_000
    public var healthStartPeriodMillis: UInt64 = 0
    public var healthStartIntervalMillis: UInt64 = 5_000
    /// Where the monitor records how PID 1 ended (`ExitRecord`).
    public var exitPath = ""
    /// A cgroup file whose "oom_kill N" line tells whether the OOM killer struck.
    public var oomEventsFile = ""
    /// cgroup directories the monitor removes once PID 1 is gone.
    public var cgroupDirectories: [String] = []
    /// `--rm`: the container directory the monitor deletes at the end, once no client
    /// is attached.
    public var autoRemoveDirectory = ""
    /// `exec`: the host PID of the running container's PID 1 whose namespaces the new
    /// process joins (0 = start a new container), and the container ID its cgroup
    /// membership must show (guards against a reused PID).
    public var joinPid: Int32 = 0
    public var joinContainerID = ""

    // OCI runtime mode (`swrun-oci`).
    /// The caller drives the container as runc's callers do: stdio inherited, the
    /// process born as the caller's child (`CLONE_PARENT`, so a subreaper shim reaps
    /// it), and no monitor once it has started.
    public var runtimeMode = false
    /// `create`: a FIFO the container's init opens for writing once set up, blocking
    /// there until `start` reads it. Empty: exec at once.
    public var execFifo = ""
    /// Namespaces joined instead of created (`setns` on the path).
    public var joinNamespaces: [InitNamespacePath] = []
    /// Device nodes beyond the default set, made in /dev.
    public var devices: [InitDevice] = []
    /// `KEY=VALUE` sysctls written under /proc/sys once /proc is the container's.
    public var sysctls: [String] = []
    /// /proc/self/oom_score_adj, when set.
    public var oomScoreAdj: Int64?
    /// Bounding, effective, permitted, inheritable and ambient sets, in that order;
    /// empty means `capabilities` for the first three and none for the others.
    public var capabilitySets: [UInt64] = []
    /// The command's umask; nil is 0022.
    public var umask: UInt32?
    public var domainname = ""
    /// A unix socket that receives the pty master (`--console-socket`).
    public var consoleSocket = ""
    /// Extra fds from 3 up the command inherits (`--preserve-fds`).
    public var preserveFDs: UInt64 = 0
    /// `MS_SHARED`, `MS_SLAVE`, `MS_PRIVATE` or `MS_UNBINDABLE` for the root (0 = private).
    public var rootfsPropagation: UInt64 = 0
    /// A new user namespace's maps (with `CLONE_NEWUSER` in `namespaces`).
    public var uidMappings: [InitIDMap] = []
    public var gidMappings: [InitIDMap] = []
    /// Run by the monitor once PID 1 has ended, before the exit is recorded
    /// (swrun-net's teardown of the container's network); empty: nothing.
    public var exitCommand: [String] = []
    /// `exec`: the container directory whose events the monitor adds `exec_die` to
    /// (`ContainerEvents`), and the exec's ID; empty: no events.
    public var execEventsDirectory = ""
    public var execID = ""

    public init() {}
}

extension InitConfig {
    /// The wire form of this config.
    public func encoded() -> [UInt8] {
        var w = WireWriter()
        w.strings(lowerDirs); w.string(upperDir); w.string(workDir); w.string(rootfs)
        w.bool(readonlyRootfs); w.u64(namespaces)
        w.strings(cgroupProcsFiles); w.string(cgroupDirectory); w.strings(cgroupV1Controllers)
        w.string(hostname)
        w.u64(UInt64(mounts.count))
        for m in mounts {
            w.u64(m.kind.rawValue); w.string(m.source); w.string(m.destination)
            w.string(m.fsType); w.u64(m.flags); w.string(m.data); w.bool(m.isFile); w.u64(m.propagation)
        }
        w.strings(maskedPaths); w.strings(readonlyPaths); w.bool(privileged)
        w.strings(args); w.strings(env); w.string(cwd)
        w.string(user); w.strings(additionalGroups)
        w.u64(UInt64(rlimits.count))
        for r in rlimits { w.i64(Int64(r.resource)); w.u64(r.soft); w.u64(r.hard) }
        w.bool(noNewPrivileges); w.u64(capabilities); w.raw(seccompFilter)
        w.bool(useInit); w.bool(tty); w.u64(terminalRows); w.u64(terminalColumns); w.bool(openStdin)
        w.string(logPath); w.string(exitPath); w.string(oomEventsFile); w.strings(cgroupDirectories)
        w.string(autoRemoveDirectory)
        w.i64(Int64(joinPid)); w.string(joinContainerID)
        w.bool(runtimeMode); w.string(execFifo)
        w.u64(UInt64(joinNamespaces.count))
        for n in joinNamespaces { w.u64(n.flag); w.string(n.path) }
        w.u64(UInt64(devices.count))
        for d in devices {
            w.u64(UInt64(d.type)); w.string(d.path); w.u64(UInt64(d.major)); w.u64(UInt64(d.minor))
            w.u64(UInt64(d.mode)); w.u64(UInt64(d.uid)); w.u64(UInt64(d.gid))
        }
        w.strings(sysctls); w.bool(oomScoreAdj != nil); w.i64(oomScoreAdj ?? 0)
        w.u64(UInt64(capabilitySets.count))
        for set in capabilitySets { w.u64(set) }
        w.bool(umask != nil); w.u64(UInt64(umask ?? 0)); w.string(domainname); w.string(consoleSocket)
        w.u64(preserveFDs); w.u64(rootfsPropagation)
        for maps in [uidMappings, gidMappings] {
            w.u64(UInt64(maps.count))
            for m in maps { w.u64(UInt64(m.containerID)); w.u64(UInt64(m.hostID)); w.u64(UInt64(m.size)) }
        }
        w.strings(exitCommand)
        w.u64(logMaxBytes); w.u64(logMaxFiles); w.string(logAttributes)
        w.strings(restartCommand); w.u64(restartCount); w.u64(restartDelayMillis)
        w.strings(healthCommand); w.u64(healthIntervalMillis); w.u64(healthStartPeriodMillis); w.u64(healthStartIntervalMillis)
        w.string(execEventsDirectory); w.string(execID)
        return w.bytes
    }

    /// Decodes what `encoded()` wrote.
    public init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes)
        lowerDirs = try r.strings(); upperDir = try r.string(); workDir = try r.string(); rootfs = try r.string()
        readonlyRootfs = try r.bool(); namespaces = try r.u64()
        cgroupProcsFiles = try r.strings(); cgroupDirectory = try r.string(); cgroupV1Controllers = try r.strings()
        hostname = try r.string()
        let mountCount = try r.u64()
        guard mountCount < 100_000 else { throw SwrunError(.corrupt, "init message: bad mount count") }
        mounts = try (0..<mountCount).map { _ in
            guard let kind = InitMount.Kind(rawValue: try r.u64()) else {
                throw SwrunError(.corrupt, "init message: bad mount kind")
            }
            return InitMount(kind: kind, source: try r.string(), destination: try r.string(),
                             fsType: try r.string(), flags: try r.u64(), data: try r.string(), isFile: try r.bool(),
                             propagation: try r.u64())
        }
        maskedPaths = try r.strings(); readonlyPaths = try r.strings(); privileged = try r.bool()
        args = try r.strings(); env = try r.strings(); cwd = try r.string()
        user = try r.string(); additionalGroups = try r.strings()
        let limitCount = try r.u64()
        guard limitCount < 64 else { throw SwrunError(.corrupt, "init message: bad rlimit count") }
        rlimits = try (0..<limitCount).map { _ in
            InitRlimit(resource: Int32(truncatingIfNeeded: try r.i64()), soft: try r.u64(), hard: try r.u64())
        }
        noNewPrivileges = try r.bool(); capabilities = try r.u64(); seccompFilter = try r.raw()
        useInit = try r.bool(); tty = try r.bool(); terminalRows = try r.u64(); terminalColumns = try r.u64()
        openStdin = try r.bool()
        logPath = try r.string(); exitPath = try r.string(); oomEventsFile = try r.string()
        cgroupDirectories = try r.strings(); autoRemoveDirectory = try r.string()
        joinPid = Int32(truncatingIfNeeded: try r.i64()); joinContainerID = try r.string()
        runtimeMode = try r.bool(); execFifo = try r.string()
        let joinCount = try r.u64()
        guard joinCount < 16 else { throw SwrunError(.corrupt, "init message: bad namespace count") }
        joinNamespaces = try (0..<joinCount).map { _ in InitNamespacePath(flag: try r.u64(), path: try r.string()) }
        let deviceCount = try r.u64()
        guard deviceCount < 100_000 else { throw SwrunError(.corrupt, "init message: bad device count") }
        devices = try (0..<deviceCount).map { _ in
            InitDevice(type: UInt32(truncatingIfNeeded: try r.u64()), path: try r.string(),
                       major: UInt32(truncatingIfNeeded: try r.u64()), minor: UInt32(truncatingIfNeeded: try r.u64()),
                       mode: UInt32(truncatingIfNeeded: try r.u64()), uid: UInt32(truncatingIfNeeded: try r.u64()),
                       gid: UInt32(truncatingIfNeeded: try r.u64()))
        }
        sysctls = try r.strings()
        let hasOom = try r.bool()
        let oom = try r.i64()
        oomScoreAdj = hasOom ? oom : nil
        let setCount = try r.u64()
        guard setCount <= 5 else { throw SwrunError(.corrupt, "init message: bad capability sets") }
        capabilitySets = try (0..<setCount).map { _ in try r.u64() }
        let hasUmask = try r.bool()
        let mask = UInt32(truncatingIfNeeded: try r.u64())
        umask = hasUmask ? mask : nil
        domainname = try r.string(); consoleSocket = try r.string()
        preserveFDs = try r.u64(); rootfsPropagation = try r.u64()
        func maps() throws -> [InitIDMap] {
            let count = try r.u64()
            guard count <= 340 else { throw SwrunError(.corrupt, "init message: bad id map count") }
            return try (0..<count).map { _ in
                InitIDMap(containerID: UInt32(truncatingIfNeeded: try r.u64()), hostID: UInt32(truncatingIfNeeded: try r.u64()),
                          size: UInt32(truncatingIfNeeded: try r.u64()))
            }
        }
        uidMappings = try maps()
        gidMappings = try maps()
        exitCommand = try r.strings()
        logMaxBytes = try r.u64(); logMaxFiles = try r.u64(); logAttributes = try r.string()
        restartCommand = try r.strings(); restartCount = try r.u64(); restartDelayMillis = try r.u64()
        healthCommand = try r.strings(); healthIntervalMillis = try r.u64(); healthStartPeriodMillis = try r.u64()
        healthStartIntervalMillis = try r.u64()
        execEventsDirectory = try r.string(); execID = try r.string()
    }

    /// The container gets a new user namespace (its maps written by the monitor).
    public var createsUserNamespace: Bool { namespaces & SW_CLONE_NEWUSER != 0 }
}

/// Messages `swrun-init` sends back to `swrun` over the sync socket.
public enum InitReport: Sendable, Equatable {
    /// The container process has exec'd; `pid` is its host PID.
    case started(pid: Int32)
    /// Setup or exec failed. `step` names the failing step ("pivot_root", "exec").
    case failed(step: String, errno: Int32, message: String)
    /// The container's PID 1 ended with this wait status.
    case exited(status: Int32)
    /// Output of the container: stream 1 = stdout, 2 = stderr.
    case output(stream: UInt8, data: [UInt8])
    /// Runtime mode: the container's init exists in its namespaces and cgroup and
    /// waits for the runtime's word (after its createRuntime hooks).
    case created(pid: Int32)

    public func encoded() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .started(let pid): w.u64(1); w.i64(Int64(pid))
        case .failed(let step, let err, let message): w.u64(2); w.string(step); w.i64(Int64(err)); w.string(message)
        case .exited(let status): w.u64(3); w.i64(Int64(status))
        case .output(let stream, let data): w.u64(4); w.u64(UInt64(stream)); w.raw(data)
        case .created(let pid): w.u64(5); w.i64(Int64(pid))
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes)
        switch try r.u64() {
        case 1: self = .started(pid: Int32(truncatingIfNeeded: try r.i64()))
        case 2: self = .failed(step: try r.string(), errno: Int32(truncatingIfNeeded: try r.i64()), message: try r.string())
        case 3: self = .exited(status: Int32(truncatingIfNeeded: try r.i64()))
        case 4: self = .output(stream: UInt8(truncatingIfNeeded: try r.u64()), data: try r.raw())
        case 5: self = .created(pid: Int32(truncatingIfNeeded: try r.i64()))
        default: throw SwrunError(.corrupt, "init report: unknown message")
        }
    }
}

/// Messages an attached client (`swrun run`, `start -a`, `attach`) sends to the monitor.
public enum ClientMessage: Sendable, Equatable {
    /// Bytes for the container's stdin.
    case stdin([UInt8])
    /// The client's stdin reached end of file.
    case closeStdin
    /// The client's terminal changed size.
    case resize(rows: UInt64, columns: UInt64)
    /// First word of a client on the monitor's attach socket (`swrun attach`): whether
    /// it forwards its stdin.
    case attach(stdin: Bool)
    /// The client leaves on purpose (`run -d`, the detach keys): its going does not end
    /// the container's stdin.
    case detach

    public func encoded() -> [UInt8] {
        var w = WireWriter()
        switch self {
        case .stdin(let data): w.u64(1); w.raw(data)
        case .closeStdin: w.u64(2)
        case .resize(let rows, let columns): w.u64(3); w.u64(rows); w.u64(columns)
        case .attach(let stdin): w.u64(4); w.bool(stdin)
        case .detach: w.u64(5)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes)
        switch try r.u64() {
        case 1: self = .stdin(try r.raw())
        case 2: self = .closeStdin
        case 3: self = .resize(rows: try r.u64(), columns: try r.u64())
        case 4: self = .attach(stdin: try r.bool())
        case 5: self = .detach
        default: throw SwrunError(.corrupt, "client message: unknown message")
        }
    }
}
