import FoundationEssentials
import Glibc
import SwrunOS

/// A bundle's `config.json` (OCI runtime-spec 1.2, plus 1.2.1's `execCPUAffinity`).
/// Every object keeps the members it does not know in `extra` (the `solaris`, `windows`,
/// `vm` and `zos` sections, fields of later spec versions), so reading a document and
/// writing it back loses nothing. Optionals are the spec's
/// OPTIONAL fields; `nil` is not written.
public struct RuntimeSpec: Codable, Sendable, Equatable {
    /// The runtime-spec version the bundle follows (SemVer).
    public var ociVersion: String
    /// The container process; REQUIRED by `start`.
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    /// Mounts beyond the root, in the order they are made.
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?
    /// Members this type does not know, written back as they were read.
    public var extra: [String: JSONAny] = [:]

    public init(
        ociVersion: String, process: Process? = nil, root: Root? = nil, hostname: String? = nil,
        domainname: String? = nil, mounts: [Mount]? = nil, hooks: Hooks? = nil, annotations: [String: String]? = nil,
        linux: Linux? = nil, extra: [String: JSONAny] = [:]
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ociVersion, process, root, hostname, domainname, mounts, hooks, annotations, linux
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.decode(String.self, forKey: .ociVersion)
        process = try c.decodeIfPresent(Process.self, forKey: .process)
        root = try c.decodeIfPresent(Root.self, forKey: .root)
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        domainname = try c.decodeIfPresent(String.self, forKey: .domainname)
        mounts = try c.decodeIfPresent([Mount].self, forKey: .mounts)
        hooks = try c.decodeIfPresent(Hooks.self, forKey: .hooks)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        linux = try c.decodeIfPresent(Linux.self, forKey: .linux)
        extra = try decodeExtra(from: decoder, known: CodingKeys.self)
    }

    public func encode(to encoder: Encoder) throws {
        try encodeExtra(extra, to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ociVersion, forKey: .ociVersion)
        try c.encodeIfPresent(process, forKey: .process)
        try c.encodeIfPresent(root, forKey: .root)
        try c.encodeIfPresent(hostname, forKey: .hostname)
        try c.encodeIfPresent(domainname, forKey: .domainname)
        try c.encodeIfPresent(mounts, forKey: .mounts)
        try c.encodeIfPresent(hooks, forKey: .hooks)
        try c.encodeIfPresent(annotations, forKey: .annotations)
        try c.encodeIfPresent(linux, forKey: .linux)
    }
}

extension RuntimeSpec {
    /// The container's root filesystem.
    public struct Root: Codable, Sendable, Equatable {
        /// The rootfs directory, absolute or relative to the bundle.
        public var path: String
        /// Mount the root filesystem read-only; absent means false.
        public var readonly: Bool?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(path: String, readonly: Bool? = nil, extra: [String: JSONAny] = [:]) {
            self.path = path
            self.readonly = readonly
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case path, readonly
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            readonly = try c.decodeIfPresent(Bool.self, forKey: .readonly)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(readonly, forKey: .readonly)
        }
    }

    /// One entry of `mounts`.
    public struct Mount: Codable, Sendable, Equatable {
        /// The mount point inside the container, absolute.
        public var destination: String
        /// The filesystem type (`proc`, `tmpfs`, `bind`, `none`).
        public var type: String?
        /// A device, a host path for bind mounts, or a dummy name.
        public var source: String?
        /// `mount(8)` options (`nosuid`, `rbind`, `mode=755`).
        public var options: [String]?
        /// An ID-mapped mount's uid mapping.
        public var uidMappings: [IDMapping]?
        /// An ID-mapped mount's gid mapping.
        public var gidMappings: [IDMapping]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil,
            uidMappings: [IDMapping]? = nil, gidMappings: [IDMapping]? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
            self.uidMappings = uidMappings
            self.gidMappings = gidMappings
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case destination, type, source, options, uidMappings, gidMappings
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            destination = try c.decode(String.self, forKey: .destination)
            type = try c.decodeIfPresent(String.self, forKey: .type)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            options = try c.decodeIfPresent([String].self, forKey: .options)
            uidMappings = try c.decodeIfPresent([IDMapping].self, forKey: .uidMappings)
            gidMappings = try c.decodeIfPresent([IDMapping].self, forKey: .gidMappings)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(destination, forKey: .destination)
            try c.encodeIfPresent(type, forKey: .type)
            try c.encodeIfPresent(source, forKey: .source)
            try c.encodeIfPresent(options, forKey: .options)
            try c.encodeIfPresent(uidMappings, forKey: .uidMappings)
            try c.encodeIfPresent(gidMappings, forKey: .gidMappings)
        }
    }

    /// A range of ids mapped between the host and the container (`linux.uidMappings`,
    /// a mount's `uidMappings`).
    public struct IDMapping: Codable, Sendable, Equatable {
        /// The first id in the container.
        public var containerID: UInt32
        /// The first id on the host that `containerID` maps to.
        public var hostID: UInt32
        /// How many ids the range holds.
        public var size: UInt32
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(containerID: UInt32, hostID: UInt32, size: UInt32, extra: [String: JSONAny] = [:]) {
            self.containerID = containerID
            self.hostID = hostID
            self.size = size
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case containerID, hostID, size
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            containerID = try c.decode(UInt32.self, forKey: .containerID)
            hostID = try c.decode(UInt32.self, forKey: .hostID)
            size = try c.decode(UInt32.self, forKey: .size)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(containerID, forKey: .containerID)
            try c.encode(hostID, forKey: .hostID)
            try c.encode(size, forKey: .size)
        }
    }
}

extension RuntimeSpec {
    /// Decodes a `config.json`; a malformed document throws `SwrunError(.corrupt)` naming
    /// `config.json` and the member that failed.
    public static func decode(_ bytes: [UInt8]) throws -> RuntimeSpec {
        try OCIJSON.decode(RuntimeSpec.self, from: bytes, what: "config.json")
    }

    /// The document's bytes: keys sorted so one spec always gives the same bytes, `/`
    /// not escaped so paths stay readable; `pretty` indents it for people to edit.
    public func encoded(pretty: Bool) throws -> [UInt8] {
        try encodeRuntimeJSON(self, pretty: pretty, what: "config.json")
    }
}

extension RuntimeSpec {
    /// The starter spec `runc spec` prints (runc 1.2 on a cgroup v2 host), with
    /// `ociVersion` 1.2.0 and hostname `swrun`: `sh` on a terminal as root, three
    /// capabilities, `pid`/`network`/`ipc`/`uts`/`mount`/`cgroup` namespaces, runc's
    /// masked and read-only `/proc` and `/sys` paths, and a read-only `rootfs`.
    ///
    /// `rootless` applies what `runc spec --rootless` changes: no network namespace, a
    /// user namespace mapping container root to the calling user's euid and egid, `/sys`
    /// bind-mounted (sysfs cannot be mounted without owning the network namespace), no
    /// `uid=`/`gid=` mount options (those ids are not mapped) and no cgroup resources.
    public static func runcDefault(rootless: Bool = false) -> RuntimeSpec {
        let capabilities = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var spec = RuntimeSpec(
            ociVersion: "1.2.0",
            process: Process(
                terminal: true,
                user: User(uid: 0, gid: 0),
                args: ["sh"],
                env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                cwd: "/",
                capabilities: Capabilities(bounding: capabilities, effective: capabilities, permitted: capabilities),
                rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
                noNewPrivileges: true),
            root: Root(path: "rootfs", readonly: true),
            hostname: "swrun",
            mounts: [
                Mount(destination: "/proc", type: "proc", source: "proc"),
                Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                      options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
                Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
                Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                      options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
                Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
                Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
                Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                      options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
            ],
            linux: Linux(
                namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map { Namespace(type: $0) },
                resources: Resources(devices: [Resources.DeviceRule(allow: false, access: "rwm")]),
                maskedPaths: [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]))
        if rootless {
            spec.makeRootless(uid: geteuid(), gid: getegid())
        }
        return spec
    }

    /// runc's `ToRootless`, step for step, so `--rootless` specs match runc's.
    private mutating func makeRootless(uid: UInt32, gid: UInt32) {
        var namespaces = (linux?.namespaces ?? []).filter { $0.type != "network" && $0.type != "user" }
        namespaces.append(Namespace(type: "user"))
        linux?.namespaces = namespaces
        linux?.uidMappings = [IDMapping(containerID: 0, hostID: uid, size: 1)]
        linux?.gidMappings = [IDMapping(containerID: 0, hostID: gid, size: 1)]
        mounts = mounts?.map { mount in
            if mount.destination == "/sys" {
                return Mount(destination: "/sys", type: "none", source: "/sys",
                             options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            }
            var mount = mount
            mount.options = mount.options?.filter { !$0.hasPrefix("gid=") && !$0.hasPrefix("uid=") }
            return mount
        }
        linux?.resources = nil
    }
}

/// A container's state as `state` prints it and hooks read it on stdin (runtime-spec
/// `runtime.md`), with the members runc adds (`rootfs`, `created`, `owner`); other
/// members are kept in `extra`.
public struct RuntimeState: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    /// `creating`, `created`, `running`, `paused` (runc's addition) or `stopped`.
    public var status: String
    /// The container process as the runtime sees it; REQUIRED when `created` or
    /// `running`, absent once stopped.
    public var pid: Int32?
    /// The bundle directory, absolute.
    public var bundle: String
    public var annotations: [String: String]?
    /// runc: the root filesystem's absolute path.
    public var rootfs: String?
    /// runc: when the container was created, RFC 3339 with nanoseconds.
    public var created: String?
    /// runc: the name of the user who owns the container.
    public var owner: String?
    /// Members this type does not know, written back as they were read.
    public var extra: [String: JSONAny] = [:]

    public init(
        ociVersion: String, id: String, status: String, pid: Int32? = nil, bundle: String,
        annotations: [String: String]? = nil, rootfs: String? = nil, created: String? = nil, owner: String? = nil,
        extra: [String: JSONAny] = [:]
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
        self.rootfs = rootfs
        self.created = created
        self.owner = owner
        self.extra = extra
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case ociVersion, id, status, pid, bundle, annotations, rootfs, created, owner
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ociVersion = try c.decode(String.self, forKey: .ociVersion)
        id = try c.decode(String.self, forKey: .id)
        status = try c.decode(String.self, forKey: .status)
        pid = try c.decodeIfPresent(Int32.self, forKey: .pid)
        bundle = try c.decode(String.self, forKey: .bundle)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        rootfs = try c.decodeIfPresent(String.self, forKey: .rootfs)
        created = try c.decodeIfPresent(String.self, forKey: .created)
        owner = try c.decodeIfPresent(String.self, forKey: .owner)
        extra = try decodeExtra(from: decoder, known: CodingKeys.self)
    }

    public func encode(to encoder: Encoder) throws {
        try encodeExtra(extra, to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ociVersion, forKey: .ociVersion)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(pid, forKey: .pid)
        try c.encode(bundle, forKey: .bundle)
        try c.encodeIfPresent(annotations, forKey: .annotations)
        try c.encodeIfPresent(rootfs, forKey: .rootfs)
        try c.encodeIfPresent(created, forKey: .created)
        try c.encodeIfPresent(owner, forKey: .owner)
    }

    /// Decodes a state document; a malformed one throws `SwrunError(.corrupt)` naming
    /// `state JSON`.
    public static func decode(_ bytes: [UInt8]) throws -> RuntimeState {
        try OCIJSON.decode(RuntimeState.self, from: bytes, what: "state JSON")
    }

    /// The document's bytes, keys sorted and `/` not escaped, like `RuntimeSpec.encoded`.
    public func encoded(pretty: Bool) throws -> [UInt8] {
        try encodeRuntimeJSON(self, pretty: pretty, what: "state JSON")
    }
}

/// The one encoder setup for runtime documents, so `config.json` and state agree.
private func encodeRuntimeJSON<Value: Encodable>(_ value: Value, pretty: Bool, what: String) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty
        ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        : [.sortedKeys, .withoutEscapingSlashes]
    do {
        return Array(try encoder.encode(value))
    } catch {
        throw SwrunError(.invalidArgument, "encode \(what)", cause: error)
    }
}
