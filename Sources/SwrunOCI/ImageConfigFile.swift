/// An image configuration blob in Docker-compatible JSON (the OCI image config plus
/// the fields docker writes). Unknown fields are ignored when decoding.
public struct ImageConfigFile: Codable, Hashable, Sendable {
    /// RFC 3339 creation time with nanoseconds, as docker writes it.
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var config: Config?
    public var rootfs: RootFS
    public var history: [History]?

    public init(
        created: String? = nil, author: String? = nil, architecture: String, os: String = "linux",
        variant: String? = nil, config: Config? = Config(), rootfs: RootFS, history: [History]? = nil
    ) {
        self.created = created
        self.author = author
        self.architecture = architecture
        self.os = os
        self.variant = variant
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    enum CodingKeys: String, CodingKey {
        case created, author, architecture, os, variant, config, rootfs, history
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    /// The container defaults an image carries (`docker inspect`'s `Config`).
    public struct Config: Codable, Hashable, Sendable {
        public var user: String?
        /// `80/tcp`, `53/udp`; encoded as an object of empty objects.
        public var exposedPorts: [String]?
        /// `KEY=value` entries.
        public var env: [String]?
        public var entrypoint: [String]?
        public var cmd: [String]?
        /// Mount points; encoded as an object of empty objects.
        public var volumes: [String]?
        public var workingDir: String?
        public var labels: [String: String]?
        public var stopSignal: String?
        public var onBuild: [String]?
        public var argsEscaped: Bool?
        /// `HEALTHCHECK` (docker's field; not in the OCI spec).
        public var healthcheck: Healthcheck?
        /// `SHELL`: the shell of later shell-form instructions (docker's field).
        public var shell: [String]?

        public init(
            user: String? = nil, exposedPorts: [String]? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
            cmd: [String]? = nil, volumes: [String]? = nil, workingDir: String? = nil, labels: [String: String]? = nil,
            stopSignal: String? = nil, onBuild: [String]? = nil
        ) {
            self.user = user
            self.exposedPorts = exposedPorts
            self.env = env
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.volumes = volumes
            self.workingDir = workingDir
            self.labels = labels
            self.stopSignal = stopSignal
            self.onBuild = onBuild
        }

        enum CodingKeys: String, CodingKey {
            case user = "User"
            case exposedPorts = "ExposedPorts"
            case env = "Env"
            case entrypoint = "Entrypoint"
            case cmd = "Cmd"
            case volumes = "Volumes"
            case workingDir = "WorkingDir"
            case labels = "Labels"
            case stopSignal = "StopSignal"
            case onBuild = "OnBuild"
            case argsEscaped = "ArgsEscaped"
            case healthcheck = "Healthcheck"
            case shell = "Shell"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            user = try c.decodeIfPresent(String.self, forKey: .user)
            exposedPorts = try c.decodeIfPresent([String: EmptyObject].self, forKey: .exposedPorts).map { $0.keys.sorted() }
            env = try c.decodeIfPresent([String].self, forKey: .env)
            entrypoint = try c.decodeIfPresent([String].self, forKey: .entrypoint)
            cmd = try c.decodeIfPresent([String].self, forKey: .cmd)
            volumes = try c.decodeIfPresent([String: EmptyObject].self, forKey: .volumes).map { $0.keys.sorted() }
            workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir)
            labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
            stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
            onBuild = try c.decodeIfPresent([String].self, forKey: .onBuild)
            argsEscaped = try c.decodeIfPresent(Bool.self, forKey: .argsEscaped)
            healthcheck = try c.decodeIfPresent(Healthcheck.self, forKey: .healthcheck)
            shell = try c.decodeIfPresent([String].self, forKey: .shell)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(user, forKey: .user)
            try c.encodeIfPresent(exposedPorts.map(EmptyObject.set), forKey: .exposedPorts)
            try c.encodeIfPresent(env, forKey: .env)
            try c.encodeIfPresent(entrypoint, forKey: .entrypoint)
            try c.encodeIfPresent(cmd, forKey: .cmd)
            try c.encodeIfPresent(volumes.map(EmptyObject.set), forKey: .volumes)
            try c.encodeIfPresent(workingDir, forKey: .workingDir)
            try c.encodeIfPresent(labels, forKey: .labels)
            try c.encodeIfPresent(stopSignal, forKey: .stopSignal)
            try c.encodeIfPresent(onBuild, forKey: .onBuild)
            try c.encodeIfPresent(argsEscaped, forKey: .argsEscaped)
            try c.encodeIfPresent(healthcheck, forKey: .healthcheck)
            try c.encodeIfPresent(shell, forKey: .shell)
        }
    }

    /// docker's `Healthcheck`: the test (`["NONE"]`, `["CMD", …]`, `["CMD-SHELL", "…"]`)
    /// and its timings in nanoseconds.
    public struct Healthcheck: Codable, Hashable, Sendable {
        public var test: [String]
        public var interval: Int64?
        public var timeout: Int64?
        public var startPeriod: Int64?
        public var startInterval: Int64?
        public var retries: Int?

        public init(test: [String], interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
                    startInterval: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.startInterval = startInterval
            self.retries = retries
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test"
            case interval = "Interval"
            case timeout = "Timeout"
            case startPeriod = "StartPeriod"
            case startInterval = "StartInterval"
            case retries = "Retries"
        }
    }

    /// The layers of the root filesystem, base first.
    public struct RootFS: Codable, Hashable, Sendable {
        /// Always `layers`.
        public var type: String
        /// The sha256 of each uncompressed layer tar, base first.
        public var diffIDs: [Digest]

        public init(type: String = "layers", diffIDs: [Digest]) {
            self.type = type
            self.diffIDs = diffIDs
        }

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    /// One step that built the image; `emptyLayer` steps added no layer.
    public struct History: Codable, Hashable, Sendable {
        public var created: String?
        public var createdBy: String?
        public var author: String?
        public var comment: String?
        public var emptyLayer: Bool?

        public init(created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil, emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.author = author
            self.comment = comment
            self.emptyLayer = emptyLayer
        }

        enum CodingKeys: String, CodingKey {
            case created, author, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }
    }
}

/// `{}`: the value type of `ExposedPorts` and `Volumes`. Decoding accepts any value.
struct EmptyObject: Codable, Hashable, Sendable {
    init() {}
    init(from decoder: Decoder) throws {}
    func encode(to encoder: Encoder) throws {
        _ = encoder.container(keyedBy: EmptyCodingKey.self)
    }

    static func set(_ keys: [String]) -> [String: EmptyObject] {
        Dictionary(keys.map { ($0, EmptyObject()) }, uniquingKeysWith: { first, _ in first })
    }

    private struct EmptyCodingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
