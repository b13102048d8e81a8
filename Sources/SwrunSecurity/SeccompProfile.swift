import FoundationEssentials
import Glibc
import SwrunOS

/// A seccomp profile in Docker's JSON format (moby's `profiles/seccomp`).
///
/// `listenerPath`, `listenerMetadata` and `flags` are read by Docker for user-space
/// notification and filter flags; swrun has neither, so they are ignored.
public struct SeccompProfile: Decodable, Sendable, Equatable {
    public var defaultAction: Action
    public var defaultErrnoRet: UInt32?
    /// A flat list of architectures to add to the filter; exclusive with `archMap`.
    public var architectures: [Architecture]
    /// For each native architecture, the other architectures its processes may use.
    public var archMap: [ArchMapEntry]
    public var syscalls: [SyscallRule]

    public init(
        defaultAction: Action, defaultErrnoRet: UInt32? = nil, architectures: [Architecture] = [],
        archMap: [ArchMapEntry] = [], syscalls: [SyscallRule] = []
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.archMap = archMap
        self.syscalls = syscalls
    }

    private enum CodingKeys: String, CodingKey {
        case defaultAction, defaultErrnoRet, architectures, archMap, syscalls
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultAction = try container.decode(Action.self, forKey: .defaultAction)
        defaultErrnoRet = try container.decodeIfPresent(UInt32.self, forKey: .defaultErrnoRet)
        architectures = try container.decodeIfPresent([Architecture].self, forKey: .architectures) ?? []
        archMap = try container.decodeIfPresent([ArchMapEntry].self, forKey: .archMap) ?? []
        syscalls = try container.decodeIfPresent([SyscallRule].self, forKey: .syscalls) ?? []
    }

    /// Parses a profile, with errors that name what is wrong in it.
    public static func parse(json: [UInt8]) throws -> SeccompProfile {
        try parse(json: Data(json))
    }

    public static func parse(json: Data) throws -> SeccompProfile {
        let profile: SeccompProfile
        do {
            profile = try JSONDecoder().decode(SeccompProfile.self, from: json)
        } catch let error as SwrunError {
            throw error
        } catch let error as DecodingError {
            throw SwrunError(.invalidArgument, "seccomp profile: \(describe(error))")
        } catch {
            throw SwrunError(.invalidArgument, "seccomp profile: \(error)")
        }
        if !profile.architectures.isEmpty && !profile.archMap.isEmpty {
            throw SwrunError(.invalidArgument, "seccomp profile: both 'architectures' and 'archMap' are set; use one")
        }
        return profile
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? SwrunError {
                return "\(path(context.codingPath)): \(underlying.message)"
            }
            return context.codingPath.isEmpty ? "invalid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        @unknown default:
            return "\(error)"
        }
    }
}

extension SeccompProfile {
    /// What the filter does with a matching system call.
    public enum Action: String, Decodable, Sendable, CaseIterable {
        case kill = "SCMP_ACT_KILL"
        case killProcess = "SCMP_ACT_KILL_PROCESS"
        case killThread = "SCMP_ACT_KILL_THREAD"
        case trap = "SCMP_ACT_TRAP"
        case errno = "SCMP_ACT_ERRNO"
        case trace = "SCMP_ACT_TRACE"
        case allow = "SCMP_ACT_ALLOW"
        case log = "SCMP_ACT_LOG"

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let action = Action(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "unknown action",
                    underlyingError: SwrunError(.invalidArgument, "unknown seccomp action: \(text)")))
            }
            self = action
        }
    }

    /// How a system call argument is compared with `value` (and `valueTwo`).
    public enum Operator: String, Decodable, Sendable, CaseIterable {
        case notEqual = "SCMP_CMP_NE"
        case lessThan = "SCMP_CMP_LT"
        case lessOrEqual = "SCMP_CMP_LE"
        case equal = "SCMP_CMP_EQ"
        case greaterOrEqual = "SCMP_CMP_GE"
        case greaterThan = "SCMP_CMP_GT"
        /// `(arg & value) == valueTwo`.
        case maskedEqual = "SCMP_CMP_MASKED_EQ"

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let op = Operator(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "unknown operator",
                    underlyingError: SwrunError(.invalidArgument, "unknown seccomp operator: \(text)")))
            }
            self = op
        }
    }

    /// A libseccomp architecture, named as Docker names it ("SCMP_ARCH_X86_64").
    public struct Architecture: Decodable, Sendable, Hashable {
        /// libseccomp's own name: "x86_64", "x32", "aarch64".
        public let libseccompName: String

        private static let known: Set<String> = [
            "x86", "x86_64", "x32", "arm", "aarch64", "mips", "mips64", "mips64n32", "mipsel",
            "mipsel64", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "parisc",
            "parisc64", "riscv64",
        ]

        public init(_ name: String) throws {
            let upper = name.uppercased()
            let bare = upper.hasPrefix("SCMP_ARCH_") ? String(upper.dropFirst("SCMP_ARCH_".count)) : upper
            let lower = bare.lowercased()
            guard Self.known.contains(lower) else {
                throw SwrunError(.invalidArgument, "unknown seccomp architecture: \(name)")
            }
            libseccompName = lower
        }

        /// One of `known`, lowercase, without the prefix (generated code only).
        init(known name: String) {
            libseccompName = name
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            do {
                try self.init(text)
            } catch let error as SwrunError {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "unknown architecture", underlyingError: error))
            }
        }
    }

    public struct ArchMapEntry: Decodable, Sendable, Equatable {
        public var architecture: Architecture
        public var subArchitectures: [Architecture]

        private enum CodingKeys: String, CodingKey { case architecture, subArchitectures }

        public init(architecture: Architecture, subArchitectures: [Architecture]) {
            self.architecture = architecture
            self.subArchitectures = subArchitectures
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            architecture = try container.decode(Architecture.self, forKey: .architecture)
            subArchitectures = try container.decodeIfPresent([Architecture].self, forKey: .subArchitectures) ?? []
        }
    }

    /// One entry of `syscalls`: an action for some names, under conditions.
    public struct SyscallRule: Decodable, Sendable, Equatable {
        public var names: [String]
        public var action: Action
        public var errnoRet: UInt32?
        public var args: [ArgCondition]
        public var includes: Filter
        public var excludes: Filter

        private enum CodingKeys: String, CodingKey { case names, name, action, errnoRet, args, includes, excludes }

        public init(
            names: [String], action: Action, errnoRet: UInt32? = nil, args: [ArgCondition] = [],
            includes: Filter = Filter(), excludes: Filter = Filter()
        ) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
            self.includes = includes
            self.excludes = excludes
        }

        /// Accepts `names` and the older single `name`, as Docker does.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
            if let name = try container.decodeIfPresent(String.self, forKey: .name) {
                names.append(name)
            }
            self.names = names
            action = try container.decode(Action.self, forKey: .action)
            errnoRet = try container.decodeIfPresent(UInt32.self, forKey: .errnoRet)
            args = try container.decodeIfPresent([ArgCondition].self, forKey: .args) ?? []
            includes = try container.decodeIfPresent(Filter.self, forKey: .includes) ?? Filter()
            excludes = try container.decodeIfPresent(Filter.self, forKey: .excludes) ?? Filter()
        }
    }

    /// A condition on one system call argument.
    public struct ArgCondition: Decodable, Sendable, Equatable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64
        public var op: Operator

        private enum CodingKeys: String, CodingKey { case index, value, valueTwo, op }

        public init(index: UInt32, value: UInt64, valueTwo: UInt64 = 0, op: Operator) {
            self.index = index
            self.value = value
            self.valueTwo = valueTwo
            self.op = op
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decode(UInt32.self, forKey: .index)
            value = try container.decode(UInt64.self, forKey: .value)
            valueTwo = try container.decodeIfPresent(UInt64.self, forKey: .valueTwo) ?? 0
            op = try container.decode(Operator.self, forKey: .op)
            guard index < 6 else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "argument index",
                    underlyingError: SwrunError(.invalidArgument, "argument index \(index) is out of range 0...5")))
            }
        }
    }

    /// When a rule applies (`includes`) or does not (`excludes`).
    ///
    /// `arches` holds Go architecture names ("amd64", "arm64", "s390x"), as in Docker's
    /// profiles, compared with the architecture swrun runs on.
    public struct Filter: Decodable, Sendable, Equatable {
        public var caps: [String]
        public var arches: [String]
        /// "4.8": the rule applies only on kernels at least this recent.
        public var minKernel: KernelVersion?

        private enum CodingKeys: String, CodingKey { case caps, arches, minKernel }

        public init(caps: [String] = [], arches: [String] = [], minKernel: KernelVersion? = nil) {
            self.caps = caps
            self.arches = arches
            self.minKernel = minKernel
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            caps = try container.decodeIfPresent([String].self, forKey: .caps) ?? []
            arches = try container.decodeIfPresent([String].self, forKey: .arches) ?? []
            if let text = try container.decodeIfPresent(String.self, forKey: .minKernel), !text.isEmpty {
                guard let version = KernelVersion(text) else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath + [CodingKeys.minKernel], debugDescription: "kernel version",
                        underlyingError: SwrunError(.invalidArgument, "invalid kernel version: \(text)")))
                }
                minKernel = version
            } else {
                minKernel = nil
            }
        }
    }
}

extension SeccompProfile {
    /// Docker's default profile (`dockerDefaultJSON`), built from values generated from
    /// that JSON (scripts/gen-seccomp-default), not decoded at every start.
    public static var dockerDefault: SeccompProfile {
        dockerDefaultValues
    }
}
