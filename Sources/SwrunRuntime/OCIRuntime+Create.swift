import CSwrun
import FoundationEssentials
import Glibc
import SwrunCgroups
import SwrunOCI
import SwrunOS

/// How `create` (and `run`) is asked to make a container.
public struct OCICreateOptions: Sendable {
    public var bundle: String
    public var pidFile: String?
    /// Where the pty master goes when `process.terminal` is set.
    public var consoleSocket: String?
    public var preserveFDs: Int = 0
    public init(bundle: String) { self.bundle = bundle }
}

extension OCIRuntime {
    /// `create`: the container's init is made in its namespaces and cgroup, with its
    /// root in place, and left blocked before the user's command until `start`. On any
    /// failure nothing is left: no state dir, no cgroup, no process.
    /// Returns the init's host PID (a child of this process). `callerTerminal`: a
    /// terminal process shares this process's stdio instead of a new pty (`run` in the
    /// foreground without a console socket).
    @discardableResult
    public func create(id: String, options: OCICreateOptions, callerTerminal: Bool = false) throws -> Int32 {
        try Self.validate(id: id)
        try FileIO.makeDirectories(stateRoot, mode: 0o711)
        let dir = directory(of: id)
        guard mkdir(dir, 0o711) == 0 else {
            if errno == EEXIST { throw SwrunError(.alreadyExists, "container with id exists: \(id)") }
            throw SwrunError.system("create state directory \(dir)")
        }
        var pid: Int32 = 0
        var cgroup: (any CgroupManager)?
        do {
            let bundle = Self.absolute(options.bundle)
            let configPath = bundle + "/config.json"
            guard let bytes = try? FileIO.readFile(configPath) else {
                throw SwrunError(.notFound, "cannot read \(configPath): \(String(cString: strerror(errno)))")
            }
            let spec = try RuntimeSpec.decode(bytes)
            guard let rootPath = spec.root?.path, !rootPath.isEmpty else {
                throw SwrunError(.invalidArgument, "config.json: root.path is missing")
            }
            let rootfs = rootPath.hasPrefix("/") ? rootPath : bundle + "/" + rootPath
            var st = stat()
            guard stat(rootfs, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw SwrunError(.notFound, "rootfs (\(rootfs)) does not exist")
            }
            var config = try InitConfig(spec: spec, rootfs: .directory(rootfs), bundle: bundle)
            if callerTerminal { config.tty = false }
            try Self.checkTerminal(tty: config.tty, consoleSocket: options.consoleSocket)
            config.runtimeMode = true
            config.execFifo = fifoPath(of: id)
            config.consoleSocket = options.consoleSocket.map(Self.absolute) ?? ""
            config.preserveFDs = UInt64(options.preserveFDs)
            // 0622 despite the umask: the init may open it as a mapped, unprivileged uid.
            guard mkfifo(config.execFifo, 0o622) == 0, chmod(config.execFifo, 0o622) == 0 else {
                throw SwrunError.system("mkfifo \(config.execFifo)")
            }
            try FileIO.writeFile(dir + "/config.json", bytes: bytes, mode: 0o600)

            let location = try cgroupLocation(spec.linux?.cgroupsPath, id: id)
            let manager = Cgroups.manager(root: cgroupRoot, parent: location.parent, name: location.name)
            cgroup = manager
            try manager.create(limits: CgroupLimits(resources: spec.linux?.resources))
            config.place(in: manager, cgroupRoot: cgroupRoot)
            config.cgroupDirectories = []
            config.autoRemoveDirectory = ""

            var record = Record(id: id, bundle: bundle, rootfs: rootfs, pid: 0, pidStartTime: 0, created: Self.timestamp(),
                                cgroupParent: location.parent, cgroupName: location.name, annotations: spec.annotations,
                                owner: Self.ownerName())
            // Saved again, durably, once the init's pid is known; a create that fails
            // in between removes the state dir.
            try save(record, durability: .atomic)

            let client = try MonitorClient.spawnForRuntime(config: config, preservedFDs: options.preserveFDs)
            defer { client.hangUp() }
            switch try client.nextReport() {
            case .created(let created):
                pid = created
            case .failed(_, _, let message):
                throw SwrunError(.system, message)
            default:
                throw SwrunError(.internalError, "swrun-init: unexpected report")
            }
            record.pid = pid
            record.pidStartTime = Self.processStat(pid)?.startTime ?? 0
            try save(record)
            // The init waits, in its namespaces, while these run in the runtime's.
            var creating = state(of: record)
            creating.status = "created"
            for hook in (spec.hooks?.prestart ?? []) + (spec.hooks?.createRuntime ?? []) {
                try Self.run(hook, state: creating)
            }
            for hook in spec.hooks?.createContainer ?? [] {
                try Self.run(hook, state: creating, in: .container(pid: pid, resolveInContainer: false))
            }
            try client.socket.send([1])
            switch try client.nextReport() {
            case .started:
                break
            case .failed(_, _, let message):
                throw SwrunError(.system, message)
            default:
                throw SwrunError(.internalError, "swrun-init: unexpected report")
            }
            if let pidFile = options.pidFile { try Self.writePidFile(pidFile, pid: pid) }
            return pid
        } catch {
            if pid > 0 {
                _ = Glibc.kill(pid, SIGKILL)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
            try? cgroup?.destroy()
            try? FileIO.removeTree(dir)
            throw error
        }
    }

    /// `start`: lets the init created by `create` go on to exec the command (it is
    /// blocked opening the exec FIFO for writing), then runs the poststart hooks.
    public func start(_ id: String) throws {
        let record = try load(id)
        let status = status(of: record)
        switch status {
        case "created": break
        case "stopped": throw SwrunError(.invalidArgument, "cannot start a container that has stopped")
        case "running", "paused": throw SwrunError(.invalidArgument, "cannot start an already running container")
        default: throw SwrunError(.invalidArgument, "cannot start a container in the \(status) state")
        }
        let spec = try? spec(of: id)
        var running = state(of: record)
        running.status = "running"
        for hook in spec?.hooks?.startContainer ?? [] {
            try Self.run(hook, state: running, in: .container(pid: record.pid, resolveInContainer: true))
        }

        let fifo = fifoPath(of: id)
        let fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(fifo)") }
        defer { close(fd) }
        // The init holds the FIFO open for writing as soon as this end exists and writes
        // one byte; if it died before, no byte ever comes.
        var released = false
        while !released {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 100)
            if ready > 0 {
                var byte: UInt8 = 0
                if read(fd, &byte, 1) == 1 { released = true; break }
            }
            if !Self.isAlive(pid: record.pid, startTime: record.pidStartTime) {
                throw SwrunError(.invalidArgument, "container \(id) is not running: its process exited before start")
            }
        }
        unlink(fifo)
        for hook in spec?.hooks?.poststart ?? [] {
            do { try Self.run(hook, state: running) } catch {
                try? FileIO.writeAll(2, Array("swrun-oci: warning: poststart hook: \(error)\n".utf8))
            }
        }
    }

    static func checkTerminal(tty: Bool, consoleSocket: String?) throws {
        if tty && consoleSocket == nil {
            throw SwrunError(.invalidArgument, "cannot allocate tty if swrun-oci will detach without setting console socket")
        }
        if !tty && consoleSocket != nil {
            throw SwrunError(.invalidArgument, "cannot use console socket if swrun-oci will not detach or allocate tty")
        }
    }

    /// Decimal, no newline, written to a temporary file and renamed into place, so a
    /// reader never sees a partial pid. Not fsynced (as runc's): a pid means nothing
    /// after a crash.
    static func writePidFile(_ path: String, pid: Int32) throws {
        try FileIO.writeDurably(at: absolute(path), bytes: Array(String(pid).utf8), durability: .atomic)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let cwd = FileManager.default.currentDirectoryPath
        return path.isEmpty || path == "." ? cwd : cwd + "/" + path
    }

    /// The caller's user name, as runc reports `owner` (its number when /etc/passwd has none).
    static func ownerName() -> String {
        let uid = getuid()
        let passwd = (try? FileIO.readString("/etc/passwd")) ?? ""
        return UserDatabase.userName(of: uid, passwd: passwd) ?? String(uid)
    }
}
