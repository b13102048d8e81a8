import FoundationEssentials
import Glibc

extension RuntimeSpec {
    /// The Linux-specific settings: `linux`.
    public struct Linux: Codable, Sendable, Equatable {
        /// Namespaces to create, or to join when `path` is set.
        public var namespaces: [Namespace]?
        /// The user namespace's uid map.
        public var uidMappings: [IDMapping]?
        /// The user namespace's gid map.
        public var gidMappings: [IDMapping]?
        /// The time namespace's clock offsets by clock (`monotonic`, `boottime`).
        public var timeOffsets: [String: TimeOffset]?
        /// Device nodes to create in the container.
        public var devices: [Device]?
        /// The cgroup path, or `slice:prefix:name` with the systemd driver.
        public var cgroupsPath: String?
        public var resources: Resources?
        public var intelRdt: IntelRdt?
        /// Kernel parameters to set (`net.ipv4.ip_forward`).
        public var sysctl: [String: String]?
        public var seccomp: Seccomp?
        /// `shared`, `slave`, `private` or `unbindable`.
        public var rootfsPropagation: String?
        /// Paths made unreadable in the container.
        public var maskedPaths: [String]?
        /// Paths made read-only in the container.
        public var readonlyPaths: [String]?
        /// The SELinux context of the container's mounts.
        public var mountLabel: String?
        public var personality: Personality?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            namespaces: [Namespace]? = nil, uidMappings: [IDMapping]? = nil, gidMappings: [IDMapping]? = nil,
            timeOffsets: [String: TimeOffset]? = nil, devices: [Device]? = nil, cgroupsPath: String? = nil,
            resources: Resources? = nil, intelRdt: IntelRdt? = nil, sysctl: [String: String]? = nil,
            seccomp: Seccomp? = nil, rootfsPropagation: String? = nil, maskedPaths: [String]? = nil,
            readonlyPaths: [String]? = nil, mountLabel: String? = nil, personality: Personality? = nil,
            extra: [String: JSONAny] = [:]
        ) {
            self.namespaces = namespaces
            self.uidMappings = uidMappings
            self.gidMappings = gidMappings
            self.timeOffsets = timeOffsets
            self.devices = devices
            self.cgroupsPath = cgroupsPath
            self.resources = resources
            self.intelRdt = intelRdt
            self.sysctl = sysctl
            self.seccomp = seccomp
            self.rootfsPropagation = rootfsPropagation
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
            self.mountLabel = mountLabel
            self.personality = personality
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, intelRdt
            case sysctl, seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            namespaces = try c.decodeIfPresent([Namespace].self, forKey: .namespaces)
            uidMappings = try c.decodeIfPresent([IDMapping].self, forKey: .uidMappings)
            gidMappings = try c.decodeIfPresent([IDMapping].self, forKey: .gidMappings)
            timeOffsets = try c.decodeIfPresent([String: TimeOffset].self, forKey: .timeOffsets)
            devices = try c.decodeIfPresent([Device].self, forKey: .devices)
            cgroupsPath = try c.decodeIfPresent(String.self, forKey: .cgroupsPath)
            resources = try c.decodeIfPresent(Resources.self, forKey: .resources)
            intelRdt = try c.decodeIfPresent(IntelRdt.self, forKey: .intelRdt)
            sysctl = try c.decodeIfPresent([String: String].self, forKey: .sysctl)
            seccomp = try c.decodeIfPresent(Seccomp.self, forKey: .seccomp)
            rootfsPropagation = try c.decodeIfPresent(String.self, forKey: .rootfsPropagation)
            maskedPaths = try c.decodeIfPresent([String].self, forKey: .maskedPaths)
            readonlyPaths = try c.decodeIfPresent([String].self, forKey: .readonlyPaths)
            mountLabel = try c.decodeIfPresent(String.self, forKey: .mountLabel)
            personality = try c.decodeIfPresent(Personality.self, forKey: .personality)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(namespaces, forKey: .namespaces)
            try c.encodeIfPresent(uidMappings, forKey: .uidMappings)
            try c.encodeIfPresent(gidMappings, forKey: .gidMappings)
            try c.encodeIfPresent(timeOffsets, forKey: .timeOffsets)
            try c.encodeIfPresent(devices, forKey: .devices)
            try c.encodeIfPresent(cgroupsPath, forKey: .cgroupsPath)
            try c.encodeIfPresent(resources, forKey: .resources)
            try c.encodeIfPresent(intelRdt, forKey: .intelRdt)
            try c.encodeIfPresent(sysctl, forKey: .sysctl)
            try c.encodeIfPresent(seccomp, forKey: .seccomp)
            try c.encodeIfPresent(rootfsPropagation, forKey: .rootfsPropagation)
            try c.encodeIfPresent(maskedPaths, forKey: .maskedPaths)
            try c.encodeIfPresent(readonlyPaths, forKey: .readonlyPaths)
            try c.encodeIfPresent(mountLabel, forKey: .mountLabel)
            try c.encodeIfPresent(personality, forKey: .personality)
        }
    }

    /// One namespace of `linux.namespaces`.
    public struct Namespace: Codable, Sendable, Equatable {
        /// `pid`, `network`, `mount`, `ipc`, `uts`, `user`, `cgroup` or `time`.
        public var type: String
        /// A namespace file to join instead of creating a new namespace.
        public var path: String?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(type: String, path: String? = nil, extra: [String: JSONAny] = [:]) {
            self.type = type
            self.path = path
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, path
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encodeIfPresent(path, forKey: .path)
        }
    }

    /// A clock's offset in the time namespace: a value of `linux.timeOffsets`.
    public struct TimeOffset: Codable, Sendable, Equatable {
        public var secs: Int64?
        public var nanosecs: UInt32?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(secs: Int64? = nil, nanosecs: UInt32? = nil, extra: [String: JSONAny] = [:]) {
            self.secs = secs
            self.nanosecs = nanosecs
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case secs, nanosecs
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            secs = try c.decodeIfPresent(Int64.self, forKey: .secs)
            nanosecs = try c.decodeIfPresent(UInt32.self, forKey: .nanosecs)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(secs, forKey: .secs)
            try c.encodeIfPresent(nanosecs, forKey: .nanosecs)
        }
    }

    /// A device node to create in the container: `linux.devices[]`.
    public struct Device: Codable, Sendable, Equatable {
        /// `c`, `b`, `u` or `p`.
        public var type: String
        /// The node's path in the container.
        public var path: String
        /// REQUIRED unless `type` is `p`.
        public var major: Int64?
        /// REQUIRED unless `type` is `p`.
        public var minor: Int64?
        /// The permission bits; a plain JSON number (`438` is 0666).
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            type: String, path: String, major: Int64? = nil, minor: Int64? = nil, fileMode: UInt32? = nil,
            uid: UInt32? = nil, gid: UInt32? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.type = type
            self.path = path
            self.major = major
            self.minor = minor
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, path, major, minor, fileMode, uid, gid
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            path = try c.decode(String.self, forKey: .path)
            major = try c.decodeIfPresent(Int64.self, forKey: .major)
            minor = try c.decodeIfPresent(Int64.self, forKey: .minor)
            fileMode = try c.decodeIfPresent(UInt32.self, forKey: .fileMode)
            uid = try c.decodeIfPresent(UInt32.self, forKey: .uid)
            gid = try c.decodeIfPresent(UInt32.self, forKey: .gid)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encode(path, forKey: .path)
            try c.encodeIfPresent(major, forKey: .major)
            try c.encodeIfPresent(minor, forKey: .minor)
            try c.encodeIfPresent(fileMode, forKey: .fileMode)
            try c.encodeIfPresent(uid, forKey: .uid)
            try c.encodeIfPresent(gid, forKey: .gid)
        }
    }

    /// Intel Resource Director Technology settings (resctrl): `linux.intelRdt`.
    public struct IntelRdt: Codable, Sendable, Equatable {
        public var closID: String?
        public var l3CacheSchema: String?
        public var memBwSchema: String?
        public var enableCMT: Bool?
        public var enableMBM: Bool?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            closID: String? = nil, l3CacheSchema: String? = nil, memBwSchema: String? = nil, enableCMT: Bool? = nil,
            enableMBM: Bool? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.closID = closID
            self.l3CacheSchema = l3CacheSchema
            self.memBwSchema = memBwSchema
            self.enableCMT = enableCMT
            self.enableMBM = enableMBM
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case closID, l3CacheSchema, memBwSchema, enableCMT, enableMBM
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            closID = try c.decodeIfPresent(String.self, forKey: .closID)
            l3CacheSchema = try c.decodeIfPresent(String.self, forKey: .l3CacheSchema)
            memBwSchema = try c.decodeIfPresent(String.self, forKey: .memBwSchema)
            enableCMT = try c.decodeIfPresent(Bool.self, forKey: .enableCMT)
            enableMBM = try c.decodeIfPresent(Bool.self, forKey: .enableMBM)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(closID, forKey: .closID)
            try c.encodeIfPresent(l3CacheSchema, forKey: .l3CacheSchema)
            try c.encodeIfPresent(memBwSchema, forKey: .memBwSchema)
            try c.encodeIfPresent(enableCMT, forKey: .enableCMT)
            try c.encodeIfPresent(enableMBM, forKey: .enableMBM)
        }
    }

    /// The process's seccomp filter: `linux.seccomp`.
    public struct Seccomp: Codable, Sendable, Equatable {
        /// What a syscall no rule matches does (`SCMP_ACT_ERRNO`, …).
        public var defaultAction: String
        /// The errno `defaultAction` returns; absent means `EPERM`.
        public var defaultErrnoRet: UInt?
        /// `SCMP_ARCH_X86_64`, …
        public var architectures: [String]?
        /// `SECCOMP_FILTER_FLAG_LOG`, …
        public var flags: [String]?
        /// The socket that gets the notify fd for `SCMP_ACT_NOTIFY`.
        public var listenerPath: String?
        /// Opaque data passed to the listener.
        public var listenerMetadata: String?
        public var syscalls: [Syscall]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            defaultAction: String, defaultErrnoRet: UInt? = nil, architectures: [String]? = nil,
            flags: [String]? = nil, listenerPath: String? = nil, listenerMetadata: String? = nil,
            syscalls: [Syscall]? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.defaultAction = defaultAction
            self.defaultErrnoRet = defaultErrnoRet
            self.architectures = architectures
            self.flags = flags
            self.listenerPath = listenerPath
            self.listenerMetadata = listenerMetadata
            self.syscalls = syscalls
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case defaultAction, defaultErrnoRet, architectures, flags, listenerPath, listenerMetadata, syscalls
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            defaultAction = try c.decode(String.self, forKey: .defaultAction)
            defaultErrnoRet = try c.decodeIfPresent(UInt.self, forKey: .defaultErrnoRet)
            architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
            flags = try c.decodeIfPresent([String].self, forKey: .flags)
            listenerPath = try c.decodeIfPresent(String.self, forKey: .listenerPath)
            listenerMetadata = try c.decodeIfPresent(String.self, forKey: .listenerMetadata)
            syscalls = try c.decodeIfPresent([Syscall].self, forKey: .syscalls)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(defaultAction, forKey: .defaultAction)
            try c.encodeIfPresent(defaultErrnoRet, forKey: .defaultErrnoRet)
            try c.encodeIfPresent(architectures, forKey: .architectures)
            try c.encodeIfPresent(flags, forKey: .flags)
            try c.encodeIfPresent(listenerPath, forKey: .listenerPath)
            try c.encodeIfPresent(listenerMetadata, forKey: .listenerMetadata)
            try c.encodeIfPresent(syscalls, forKey: .syscalls)
        }

        /// A rule: the action for syscalls by name, when all `args` conditions hold.
        public struct Syscall: Codable, Sendable, Equatable {
            public var names: [String]
            public var action: String
            /// The errno for `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE`.
            public var errnoRet: UInt?
            public var args: [Arg]?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                names: [String], action: String, errnoRet: UInt? = nil, args: [Arg]? = nil,
                extra: [String: JSONAny] = [:]
            ) {
                self.names = names
                self.action = action
                self.errnoRet = errnoRet
                self.args = args
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case names, action, errnoRet, args
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                names = try c.decode([String].self, forKey: .names)
                action = try c.decode(String.self, forKey: .action)
                errnoRet = try c.decodeIfPresent(UInt.self, forKey: .errnoRet)
                args = try c.decodeIfPresent([Arg].self, forKey: .args)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(names, forKey: .names)
                try c.encode(action, forKey: .action)
                try c.encodeIfPresent(errnoRet, forKey: .errnoRet)
                try c.encodeIfPresent(args, forKey: .args)
            }
        }

        /// A condition on one syscall argument.
        public struct Arg: Codable, Sendable, Equatable {
            /// The argument's position, 0 to 5.
            public var index: UInt
            public var value: UInt64
            /// The second operand of `SCMP_CMP_MASKED_EQ`.
            public var valueTwo: UInt64?
            /// `SCMP_CMP_EQ`, `SCMP_CMP_MASKED_EQ`, …
            public var op: String
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                index: UInt, value: UInt64, valueTwo: UInt64? = nil, op: String, extra: [String: JSONAny] = [:]
            ) {
                self.index = index
                self.value = value
                self.valueTwo = valueTwo
                self.op = op
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case index, value, valueTwo, op
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                index = try c.decode(UInt.self, forKey: .index)
                value = try c.decode(UInt64.self, forKey: .value)
                valueTwo = try c.decodeIfPresent(UInt64.self, forKey: .valueTwo)
                op = try c.decode(String.self, forKey: .op)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(index, forKey: .index)
                try c.encode(value, forKey: .value)
                try c.encodeIfPresent(valueTwo, forKey: .valueTwo)
                try c.encode(op, forKey: .op)
            }
        }
    }

    /// The execution domain (`personality(2)`): `linux.personality`.
    public struct Personality: Codable, Sendable, Equatable {
        /// `LINUX` or `LINUX32`.
        public var domain: String
        public var flags: [String]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(domain: String, flags: [String]? = nil, extra: [String: JSONAny] = [:]) {
            self.domain = domain
            self.flags = flags
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case domain, flags
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domain = try c.decode(String.self, forKey: .domain)
            flags = try c.decodeIfPresent([String].self, forKey: .flags)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(domain, forKey: .domain)
            try c.encodeIfPresent(flags, forKey: .flags)
        }
    }
}
