import FoundationEssentials
import Glibc

extension RuntimeSpec {
    /// The cgroup settings: `linux.resources`.
    public struct Resources: Codable, Sendable, Equatable {
        /// The device allow list, applied in order.
        public var devices: [DeviceRule]?
        public var memory: Memory?
        public var cpu: CPU?
        public var pids: Pids?
        public var blockIO: BlockIO?
        public var hugepageLimits: [HugepageLimit]?
        public var network: Network?
        /// Limits by RDMA device name.
        public var rdma: [String: Rdma]?
        /// cgroup v2 files to write, by file name (`memory.high`).
        public var unified: [String: String]?
        /// Members this type does not know, written back as they were read.
        public var extra: [String: JSONAny] = [:]

        public init(
            devices: [DeviceRule]? = nil, memory: Memory? = nil, cpu: CPU? = nil, pids: Pids? = nil,
            blockIO: BlockIO? = nil, hugepageLimits: [HugepageLimit]? = nil, network: Network? = nil,
            rdma: [String: Rdma]? = nil, unified: [String: String]? = nil, extra: [String: JSONAny] = [:]
        ) {
            self.devices = devices
            self.memory = memory
            self.cpu = cpu
            self.pids = pids
            self.blockIO = blockIO
            self.hugepageLimits = hugepageLimits
            self.network = network
            self.rdma = rdma
            self.unified = unified
            self.extra = extra
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case devices, memory, cpu, pids, blockIO, hugepageLimits, network, rdma, unified
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            devices = try c.decodeIfPresent([DeviceRule].self, forKey: .devices)
            memory = try c.decodeIfPresent(Memory.self, forKey: .memory)
            cpu = try c.decodeIfPresent(CPU.self, forKey: .cpu)
            pids = try c.decodeIfPresent(Pids.self, forKey: .pids)
            blockIO = try c.decodeIfPresent(BlockIO.self, forKey: .blockIO)
            hugepageLimits = try c.decodeIfPresent([HugepageLimit].self, forKey: .hugepageLimits)
            network = try c.decodeIfPresent(Network.self, forKey: .network)
            rdma = try c.decodeIfPresent([String: Rdma].self, forKey: .rdma)
            unified = try c.decodeIfPresent([String: String].self, forKey: .unified)
            extra = try decodeExtra(from: decoder, known: CodingKeys.self)
        }

        public func encode(to encoder: Encoder) throws {
            try encodeExtra(extra, to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(devices, forKey: .devices)
            try c.encodeIfPresent(memory, forKey: .memory)
            try c.encodeIfPresent(cpu, forKey: .cpu)
            try c.encodeIfPresent(pids, forKey: .pids)
            try c.encodeIfPresent(blockIO, forKey: .blockIO)
            try c.encodeIfPresent(hugepageLimits, forKey: .hugepageLimits)
            try c.encodeIfPresent(network, forKey: .network)
            try c.encodeIfPresent(rdma, forKey: .rdma)
            try c.encodeIfPresent(unified, forKey: .unified)
        }

        /// One entry of the device allow list.
        public struct DeviceRule: Codable, Sendable, Equatable {
            public var allow: Bool
            /// `a` (all), `c` or `b`; absent means all.
            public var type: String?
            /// Absent matches every major number.
            public var major: Int64?
            /// Absent matches every minor number.
            public var minor: Int64?
            /// Any of `r`, `w`, `m`.
            public var access: String?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil,
                extra: [String: JSONAny] = [:]
            ) {
                self.allow = allow
                self.type = type
                self.major = major
                self.minor = minor
                self.access = access
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case allow, type, major, minor, access
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                allow = try c.decode(Bool.self, forKey: .allow)
                type = try c.decodeIfPresent(String.self, forKey: .type)
                major = try c.decodeIfPresent(Int64.self, forKey: .major)
                minor = try c.decodeIfPresent(Int64.self, forKey: .minor)
                access = try c.decodeIfPresent(String.self, forKey: .access)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(allow, forKey: .allow)
                try c.encodeIfPresent(type, forKey: .type)
                try c.encodeIfPresent(major, forKey: .major)
                try c.encodeIfPresent(minor, forKey: .minor)
                try c.encodeIfPresent(access, forKey: .access)
            }
        }

        /// The memory controller. Limits are bytes; -1 means unlimited.
        public struct Memory: Codable, Sendable, Equatable {
            public var limit: Int64?
            /// The soft limit (`memory.low` on cgroup v2).
            public var reservation: Int64?
            /// Memory plus swap.
            public var swap: Int64?
            /// Not recommended by the spec; cgroup v1 only.
            public var kernel: Int64?
            /// Not recommended by the spec; cgroup v1 only.
            public var kernelTCP: Int64?
            public var swappiness: UInt64?
            public var disableOOMKiller: Bool?
            public var useHierarchy: Bool?
            /// Refuse a new limit below current usage.
            public var checkBeforeUpdate: Bool?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil, kernel: Int64? = nil,
                kernelTCP: Int64? = nil, swappiness: UInt64? = nil, disableOOMKiller: Bool? = nil,
                useHierarchy: Bool? = nil, checkBeforeUpdate: Bool? = nil, extra: [String: JSONAny] = [:]
            ) {
                self.limit = limit
                self.reservation = reservation
                self.swap = swap
                self.kernel = kernel
                self.kernelTCP = kernelTCP
                self.swappiness = swappiness
                self.disableOOMKiller = disableOOMKiller
                self.useHierarchy = useHierarchy
                self.checkBeforeUpdate = checkBeforeUpdate
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case limit, reservation, swap, kernel, kernelTCP, swappiness, disableOOMKiller, useHierarchy
                case checkBeforeUpdate
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                limit = try c.decodeIfPresent(Int64.self, forKey: .limit)
                reservation = try c.decodeIfPresent(Int64.self, forKey: .reservation)
                swap = try c.decodeIfPresent(Int64.self, forKey: .swap)
                kernel = try c.decodeIfPresent(Int64.self, forKey: .kernel)
                kernelTCP = try c.decodeIfPresent(Int64.self, forKey: .kernelTCP)
                swappiness = try c.decodeIfPresent(UInt64.self, forKey: .swappiness)
                disableOOMKiller = try c.decodeIfPresent(Bool.self, forKey: .disableOOMKiller)
                useHierarchy = try c.decodeIfPresent(Bool.self, forKey: .useHierarchy)
                checkBeforeUpdate = try c.decodeIfPresent(Bool.self, forKey: .checkBeforeUpdate)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(limit, forKey: .limit)
                try c.encodeIfPresent(reservation, forKey: .reservation)
                try c.encodeIfPresent(swap, forKey: .swap)
                try c.encodeIfPresent(kernel, forKey: .kernel)
                try c.encodeIfPresent(kernelTCP, forKey: .kernelTCP)
                try c.encodeIfPresent(swappiness, forKey: .swappiness)
                try c.encodeIfPresent(disableOOMKiller, forKey: .disableOOMKiller)
                try c.encodeIfPresent(useHierarchy, forKey: .useHierarchy)
                try c.encodeIfPresent(checkBeforeUpdate, forKey: .checkBeforeUpdate)
            }
        }

        /// The cpu and cpuset controllers. Times are microseconds.
        public struct CPU: Codable, Sendable, Equatable {
            /// The relative weight (cgroup v1 `cpu.shares`).
            public var shares: UInt64?
            /// CPU time allowed per `period`; -1 means unlimited.
            public var quota: Int64?
            public var burst: UInt64?
            public var period: UInt64?
            public var realtimeRuntime: Int64?
            public var realtimePeriod: UInt64?
            /// CPUs in list form (`0-3,7`).
            public var cpus: String?
            /// Memory nodes in list form.
            public var mems: String?
            /// 1 makes the cgroup `SCHED_IDLE`.
            public var idle: Int64?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                shares: UInt64? = nil, quota: Int64? = nil, burst: UInt64? = nil, period: UInt64? = nil,
                realtimeRuntime: Int64? = nil, realtimePeriod: UInt64? = nil, cpus: String? = nil, mems: String? = nil,
                idle: Int64? = nil, extra: [String: JSONAny] = [:]
            ) {
                self.shares = shares
                self.quota = quota
                self.burst = burst
                self.period = period
                self.realtimeRuntime = realtimeRuntime
                self.realtimePeriod = realtimePeriod
                self.cpus = cpus
                self.mems = mems
                self.idle = idle
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case shares, quota, burst, period, realtimeRuntime, realtimePeriod, cpus, mems, idle
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                shares = try c.decodeIfPresent(UInt64.self, forKey: .shares)
                quota = try c.decodeIfPresent(Int64.self, forKey: .quota)
                burst = try c.decodeIfPresent(UInt64.self, forKey: .burst)
                period = try c.decodeIfPresent(UInt64.self, forKey: .period)
                realtimeRuntime = try c.decodeIfPresent(Int64.self, forKey: .realtimeRuntime)
                realtimePeriod = try c.decodeIfPresent(UInt64.self, forKey: .realtimePeriod)
                cpus = try c.decodeIfPresent(String.self, forKey: .cpus)
                mems = try c.decodeIfPresent(String.self, forKey: .mems)
                idle = try c.decodeIfPresent(Int64.self, forKey: .idle)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(shares, forKey: .shares)
                try c.encodeIfPresent(quota, forKey: .quota)
                try c.encodeIfPresent(burst, forKey: .burst)
                try c.encodeIfPresent(period, forKey: .period)
                try c.encodeIfPresent(realtimeRuntime, forKey: .realtimeRuntime)
                try c.encodeIfPresent(realtimePeriod, forKey: .realtimePeriod)
                try c.encodeIfPresent(cpus, forKey: .cpus)
                try c.encodeIfPresent(mems, forKey: .mems)
                try c.encodeIfPresent(idle, forKey: .idle)
            }
        }

        /// The pids controller.
        public struct Pids: Codable, Sendable, Equatable {
            /// The most tasks; -1 or 0 means unlimited. REQUIRED in 1.2, optional since
            /// runtime-spec 1.3, so a 1.3 document decodes.
            public var limit: Int64?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(limit: Int64? = nil, extra: [String: JSONAny] = [:]) {
                self.limit = limit
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case limit
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                limit = try c.decodeIfPresent(Int64.self, forKey: .limit)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(limit, forKey: .limit)
            }
        }

        /// The blkio (cgroup v1) or io (cgroup v2) controller.
        public struct BlockIO: Codable, Sendable, Equatable {
            public var weight: UInt16?
            public var leafWeight: UInt16?
            public var weightDevice: [WeightDevice]?
            public var throttleReadBpsDevice: [ThrottleDevice]?
            public var throttleWriteBpsDevice: [ThrottleDevice]?
            public var throttleReadIOPSDevice: [ThrottleDevice]?
            public var throttleWriteIOPSDevice: [ThrottleDevice]?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                weight: UInt16? = nil, leafWeight: UInt16? = nil, weightDevice: [WeightDevice]? = nil,
                throttleReadBpsDevice: [ThrottleDevice]? = nil, throttleWriteBpsDevice: [ThrottleDevice]? = nil,
                throttleReadIOPSDevice: [ThrottleDevice]? = nil, throttleWriteIOPSDevice: [ThrottleDevice]? = nil,
                extra: [String: JSONAny] = [:]
            ) {
                self.weight = weight
                self.leafWeight = leafWeight
                self.weightDevice = weightDevice
                self.throttleReadBpsDevice = throttleReadBpsDevice
                self.throttleWriteBpsDevice = throttleWriteBpsDevice
                self.throttleReadIOPSDevice = throttleReadIOPSDevice
                self.throttleWriteIOPSDevice = throttleWriteIOPSDevice
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case weight, leafWeight, weightDevice, throttleReadBpsDevice, throttleWriteBpsDevice
                case throttleReadIOPSDevice, throttleWriteIOPSDevice
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                weight = try c.decodeIfPresent(UInt16.self, forKey: .weight)
                leafWeight = try c.decodeIfPresent(UInt16.self, forKey: .leafWeight)
                weightDevice = try c.decodeIfPresent([WeightDevice].self, forKey: .weightDevice)
                throttleReadBpsDevice = try c.decodeIfPresent([ThrottleDevice].self, forKey: .throttleReadBpsDevice)
                throttleWriteBpsDevice = try c.decodeIfPresent([ThrottleDevice].self, forKey: .throttleWriteBpsDevice)
                throttleReadIOPSDevice = try c.decodeIfPresent([ThrottleDevice].self, forKey: .throttleReadIOPSDevice)
                throttleWriteIOPSDevice = try c.decodeIfPresent([ThrottleDevice].self, forKey: .throttleWriteIOPSDevice)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(weight, forKey: .weight)
                try c.encodeIfPresent(leafWeight, forKey: .leafWeight)
                try c.encodeIfPresent(weightDevice, forKey: .weightDevice)
                try c.encodeIfPresent(throttleReadBpsDevice, forKey: .throttleReadBpsDevice)
                try c.encodeIfPresent(throttleWriteBpsDevice, forKey: .throttleWriteBpsDevice)
                try c.encodeIfPresent(throttleReadIOPSDevice, forKey: .throttleReadIOPSDevice)
                try c.encodeIfPresent(throttleWriteIOPSDevice, forKey: .throttleWriteIOPSDevice)
            }
        }

        /// A per-device weight.
        public struct WeightDevice: Codable, Sendable, Equatable {
            public var major: Int64
            public var minor: Int64
            public var weight: UInt16?
            public var leafWeight: UInt16?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil,
                extra: [String: JSONAny] = [:]
            ) {
                self.major = major
                self.minor = minor
                self.weight = weight
                self.leafWeight = leafWeight
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case major, minor, weight, leafWeight
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                major = try c.decode(Int64.self, forKey: .major)
                minor = try c.decode(Int64.self, forKey: .minor)
                weight = try c.decodeIfPresent(UInt16.self, forKey: .weight)
                leafWeight = try c.decodeIfPresent(UInt16.self, forKey: .leafWeight)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(major, forKey: .major)
                try c.encode(minor, forKey: .minor)
                try c.encodeIfPresent(weight, forKey: .weight)
                try c.encodeIfPresent(leafWeight, forKey: .leafWeight)
            }
        }

        /// A per-device rate limit, in bytes or operations per second.
        public struct ThrottleDevice: Codable, Sendable, Equatable {
            public var major: Int64
            public var minor: Int64
            public var rate: UInt64
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(major: Int64, minor: Int64, rate: UInt64, extra: [String: JSONAny] = [:]) {
                self.major = major
                self.minor = minor
                self.rate = rate
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case major, minor, rate
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                major = try c.decode(Int64.self, forKey: .major)
                minor = try c.decode(Int64.self, forKey: .minor)
                rate = try c.decode(UInt64.self, forKey: .rate)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(major, forKey: .major)
                try c.encode(minor, forKey: .minor)
                try c.encode(rate, forKey: .rate)
            }
        }

        /// A hugetlb limit.
        public struct HugepageLimit: Codable, Sendable, Equatable {
            /// The page size (`2MB`, `1GB`).
            public var pageSize: String
            /// Bytes.
            public var limit: UInt64
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(pageSize: String, limit: UInt64, extra: [String: JSONAny] = [:]) {
                self.pageSize = pageSize
                self.limit = limit
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case pageSize, limit
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                pageSize = try c.decode(String.self, forKey: .pageSize)
                limit = try c.decode(UInt64.self, forKey: .limit)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(pageSize, forKey: .pageSize)
                try c.encode(limit, forKey: .limit)
            }
        }

        /// The net_cls and net_prio controllers (cgroup v1).
        public struct Network: Codable, Sendable, Equatable {
            public var classID: UInt32?
            public var priorities: [InterfacePriority]?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(
                classID: UInt32? = nil, priorities: [InterfacePriority]? = nil, extra: [String: JSONAny] = [:]
            ) {
                self.classID = classID
                self.priorities = priorities
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case classID, priorities
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                classID = try c.decodeIfPresent(UInt32.self, forKey: .classID)
                priorities = try c.decodeIfPresent([InterfacePriority].self, forKey: .priorities)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(classID, forKey: .classID)
                try c.encodeIfPresent(priorities, forKey: .priorities)
            }
        }

        /// The priority of traffic leaving by one interface.
        public struct InterfacePriority: Codable, Sendable, Equatable {
            public var name: String
            public var priority: UInt32
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(name: String, priority: UInt32, extra: [String: JSONAny] = [:]) {
                self.name = name
                self.priority = priority
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case name, priority
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                name = try c.decode(String.self, forKey: .name)
                priority = try c.decode(UInt32.self, forKey: .priority)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(name, forKey: .name)
                try c.encode(priority, forKey: .priority)
            }
        }

        /// The rdma controller's limits for one device.
        public struct Rdma: Codable, Sendable, Equatable {
            public var hcaHandles: UInt32?
            public var hcaObjects: UInt32?
            /// Members this type does not know, written back as they were read.
            public var extra: [String: JSONAny] = [:]

            public init(hcaHandles: UInt32? = nil, hcaObjects: UInt32? = nil, extra: [String: JSONAny] = [:]) {
                self.hcaHandles = hcaHandles
                self.hcaObjects = hcaObjects
                self.extra = extra
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case hcaHandles, hcaObjects
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                hcaHandles = try c.decodeIfPresent(UInt32.self, forKey: .hcaHandles)
                hcaObjects = try c.decodeIfPresent(UInt32.self, forKey: .hcaObjects)
                extra = try decodeExtra(from: decoder, known: CodingKeys.self)
            }

            public func encode(to encoder: Encoder) throws {
                try encodeExtra(extra, to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encodeIfPresent(hcaHandles, forKey: .hcaHandles)
                try c.encodeIfPresent(hcaObjects, forKey: .hcaObjects)
            }
        }
    }
}
