import FoundationEssentials
import Glibc

extension RuntimeSpec {
    /// The container process: `process`.
    public struct Process: Codable, Sendable, Equatable {
        /// Attach a pseudo-terminal; absent means false.
        public var terminal: Bool?
        public var consoleSize: ConsoleSize?
        public var user: User?
        /// The command and its arguments; the first is looked up like `execvp`'s file.
        public var args: [String]?
        /// Windows only: the whole command line.
        public var commandLine: String?
        /// `KEY=value` entries.
        public var env: [String]?
        /// The working directory, absolute.
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [Rlimit]?
        /// Set `PR_SET_NO_NEW_PRIVS`.
        public var noNewPrivileges: Bool?
        public var apparmorProfile: String?
        /// Written to `/proc/<pid>/oom_score_adj`.
        public var oomScoreAdj: Int?
        public var scheduler: Scheduler?
        public var selinuxLabel: String?
        public var ioPriority: IOPriority?
        /// runtime-spec 1.2.1.
        public var execCPUAffinity: CPUAffinity?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            terminal: Bool? = nil, consoleSize: ConsoleSize? = nil, user: User? = nil, args: [String]? = nil,
            commandLine: String? = nil, env: [String]? = nil, cwd: String, capabilities: Capabilities? = nil,
            rlimits: [Rlimit]? = nil, noNewPrivileges: Bool? = nil, apparmorProfile: String? = nil,
            oomScoreAdj: Int? = nil, scheduler: Scheduler? = nil, selinuxLabel: String? = nil,
            ioPriority: IOPriority? = nil, execCPUAffinity: CPUAffinity? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.terminal = terminal
            self.consoleSize = consoleSize
            self.user = user
            self.args = args
            self.commandLine = commandLine
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
            self.noNewPrivileges = noNewPrivileges
            self.apparmorProfile = apparmorProfile
            self.oomScoreAdj = oomScoreAdj
            self.scheduler = scheduler
            self.selinuxLabel = selinuxLabel
            self.ioPriority = ioPriority
            self.execCPUAffinity = execCPUAffinity
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits, noNewPrivileges
            case apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            terminal = try c.decodeIfPresent(Bool.self, forKey: .terminal)
            consoleSize = try c.decodeIfPresent(ConsoleSize.self, forKey: .consoleSize)
            user = try c.decodeIfPresent(User.self, forKey: .user)
            args = try c.decodeIfPresent([String].self, forKey: .args)
            commandLine = try c.decodeIfPresent(String.self, forKey: .commandLine)
            env = try c.decodeIfPresent([String].self, forKey: .env)
            cwd = try c.decode(String.self, forKey: .cwd)
            capabilities = try c.decodeIfPresent(Capabilities.self, forKey: .capabilities)
            rlimits = try c.decodeIfPresent([Rlimit].self, forKey: .rlimits)
            noNewPrivileges = try c.decodeIfPresent(Bool.self, forKey: .noNewPrivileges)
            apparmorProfile = try c.decodeIfPresent(String.self, forKey: .apparmorProfile)
            oomScoreAdj = try c.decodeIfPresent(Int.self, forKey: .oomScoreAdj)
            scheduler = try c.decodeIfPresent(Scheduler.self, forKey: .scheduler)
            selinuxLabel = try c.decodeIfPresent(String.self, forKey: .selinuxLabel)
            ioPriority = try c.decodeIfPresent(IOPriority.self, forKey: .ioPriority)
            execCPUAffinity = try c.decodeIfPresent(CPUAffinity.self, forKey: .execCPUAffinity)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(terminal, forKey: .terminal)
            try c.encodeIfPresent(consoleSize, forKey: .consoleSize)
            try c.encodeIfPresent(user, forKey: .user)
            try c.encodeIfPresent(args, forKey: .args)
            try c.encodeIfPresent(commandLine, forKey: .commandLine)
            try c.encodeIfPresent(env, forKey: .env)
            try c.encode(cwd, forKey: .cwd)
            try c.encodeIfPresent(capabilities, forKey: .capabilities)
            try c.encodeIfPresent(rlimits, forKey: .rlimits)
            try c.encodeIfPresent(noNewPrivileges, forKey: .noNewPrivileges)
            try c.encodeIfPresent(apparmorProfile, forKey: .apparmorProfile)
            try c.encodeIfPresent(oomScoreAdj, forKey: .oomScoreAdj)
            try c.encodeIfPresent(scheduler, forKey: .scheduler)
            try c.encodeIfPresent(selinuxLabel, forKey: .selinuxLabel)
            try c.encodeIfPresent(ioPriority, forKey: .ioPriority)
            try c.encodeIfPresent(execCPUAffinity, forKey: .execCPUAffinity)
        }
    }

    /// The terminal size in characters: `process.consoleSize`.
    public struct ConsoleSize: Codable, Sendable, Equatable {
        public var height: UInt
        public var width: UInt
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(height: UInt, width: UInt, extra: [String: JSONAny] = [:]) {
            self.height = height
            self.width = width
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case height, width
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            height = try c.decode(UInt.self, forKey: .height)
            width = try c.decode(UInt.self, forKey: .width)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(height, forKey: .height)
            try c.encode(width, forKey: .width)
        }
    }

    /// Who the process runs as, in the container's user namespace: `process.user`.
    public struct User: Codable, Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        /// Absent leaves the umask as the runtime's.
        public var umask: UInt32?
        public var additionalGids: [UInt32]?
        /// Windows only.
        public var username: String?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            uid: UInt32, gid: UInt32, umask: UInt32? = nil, additionalGids: [UInt32]? = nil, username: String? = nil,
            extra: [String: JSONAny] = [:]
        ) {
            self.uid = uid
            self.gid = gid
            self.umask = umask
            self.additionalGids = additionalGids
            self.username = username
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case uid, gid, umask, additionalGids, username
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            uid = try c.decode(UInt32.self, forKey: .uid)
            gid = try c.decode(UInt32.self, forKey: .gid)
            umask = try c.decodeIfPresent(UInt32.self, forKey: .umask)
            additionalGids = try c.decodeIfPresent([UInt32].self, forKey: .additionalGids)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(uid, forKey: .uid)
            try c.encode(gid, forKey: .gid)
            try c.encodeIfPresent(umask, forKey: .umask)
            try c.encodeIfPresent(additionalGids, forKey: .additionalGids)
            try c.encodeIfPresent(username, forKey: .username)
        }
    }

    /// The process's capability sets by name (`CAP_KILL`): `process.capabilities`.
    public struct Capabilities: Codable, Sendable, Equatable {
        public var bounding: [String]?
        public var effective: [String]?
        public var inheritable: [String]?
        public var permitted: [String]?
        public var ambient: [String]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
            permitted: [String]? = nil, ambient: [String]? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.bounding = bounding
            self.effective = effective
            self.inheritable = inheritable
            self.permitted = permitted
            self.ambient = ambient
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case bounding, effective, inheritable, permitted, ambient
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            bounding = try c.decodeIfPresent([String].self, forKey: .bounding)
            effective = try c.decodeIfPresent([String].self, forKey: .effective)
            inheritable = try c.decodeIfPresent([String].self, forKey: .inheritable)
            permitted = try c.decodeIfPresent([String].self, forKey: .permitted)
            ambient = try c.decodeIfPresent([String].self, forKey: .ambient)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(bounding, forKey: .bounding)
            try c.encodeIfPresent(effective, forKey: .effective)
            try c.encodeIfPresent(inheritable, forKey: .inheritable)
            try c.encodeIfPresent(permitted, forKey: .permitted)
            try c.encodeIfPresent(ambient, forKey: .ambient)
        }
    }

    /// One `setrlimit(2)` limit: `process.rlimits[]`.
    public struct Rlimit: Codable, Sendable, Equatable {
        /// `RLIMIT_NOFILE`, `RLIMIT_NPROC`, …
        public var type: String
        public var hard: UInt64
        public var soft: UInt64
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(type: String, hard: UInt64, soft: UInt64, extra: [String: JSONAny] = [:]) {
            self.type = type
            self.hard = hard
            self.soft = soft
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case type, hard, soft
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            hard = try c.decode(UInt64.self, forKey: .hard)
            soft = try c.decode(UInt64.self, forKey: .soft)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(type, forKey: .type)
            try c.encode(hard, forKey: .hard)
            try c.encode(soft, forKey: .soft)
        }
    }

    /// The process's I/O scheduling class and level: `process.ioPriority`.
    public struct IOPriority: Codable, Sendable, Equatable {
        /// `IOPRIO_CLASS_RT`, `IOPRIO_CLASS_BE` or `IOPRIO_CLASS_IDLE`.
        public var `class`: String
        /// 0 (highest) to 7 (lowest).
        public var priority: Int
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(`class`: String, priority: Int, extra: [String: JSONAny] = [:]) {
            self.`class` = `class`
            self.priority = priority
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case `class`, priority
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            `class` = try c.decode(String.self, forKey: .`class`)
            priority = try c.decode(Int.self, forKey: .priority)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(`class`, forKey: .`class`)
            try c.encode(priority, forKey: .priority)
        }
    }

    /// The process's `sched_setattr(2)` settings: `process.scheduler`.
    public struct Scheduler: Codable, Sendable, Equatable {
        /// `SCHED_OTHER`, `SCHED_FIFO`, `SCHED_RR`, `SCHED_BATCH`, `SCHED_ISO`, `SCHED_IDLE`
        /// or `SCHED_DEADLINE`.
        public var policy: String
        public var nice: Int32?
        public var priority: Int32?
        /// `SCHED_FLAG_RESET_ON_FORK`, …
        public var flags: [String]?
        /// Nanoseconds; `SCHED_DEADLINE` only.
        public var runtime: UInt64?
        /// Nanoseconds; `SCHED_DEADLINE` only.
        public var deadline: UInt64?
        /// Nanoseconds; `SCHED_DEADLINE` only.
        public var period: UInt64?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            policy: String, nice: Int32? = nil, priority: Int32? = nil, flags: [String]? = nil, runtime: UInt64? = nil,
            deadline: UInt64? = nil, period: UInt64? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.policy = policy
            self.nice = nice
            self.priority = priority
            self.flags = flags
            self.runtime = runtime
            self.deadline = deadline
            self.period = period
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case policy, nice, priority, flags, runtime, deadline, period
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            policy = try c.decode(String.self, forKey: .policy)
            nice = try c.decodeIfPresent(Int32.self, forKey: .nice)
            priority = try c.decodeIfPresent(Int32.self, forKey: .priority)
            flags = try c.decodeIfPresent([String].self, forKey: .flags)
            runtime = try c.decodeIfPresent(UInt64.self, forKey: .runtime)
            deadline = try c.decodeIfPresent(UInt64.self, forKey: .deadline)
            period = try c.decodeIfPresent(UInt64.self, forKey: .period)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(policy, forKey: .policy)
            try c.encodeIfPresent(nice, forKey: .nice)
            try c.encodeIfPresent(priority, forKey: .priority)
            try c.encodeIfPresent(flags, forKey: .flags)
            try c.encodeIfPresent(runtime, forKey: .runtime)
            try c.encodeIfPresent(deadline, forKey: .deadline)
            try c.encodeIfPresent(period, forKey: .period)
        }
    }

    /// The CPUs the runtime uses while it starts the process (`initial`) and the process
    /// runs on after `execve` (`final`), in `cpuset` list form (`0-3,7`).
    public struct CPUAffinity: Codable, Sendable, Equatable {
        public var initial: String?
        public var `final`: String?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(initial: String? = nil, `final`: String? = nil, extra: [String: JSONAny] = [:]) {
            self.initial = initial
            self.`final` = `final`
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case initial, `final`
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            initial = try c.decodeIfPresent(String.self, forKey: .initial)
            `final` = try c.decodeIfPresent(String.self, forKey: .`final`)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(initial, forKey: .initial)
            try c.encodeIfPresent(`final`, forKey: .`final`)
        }
    }
}
