import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunOS

/// A container's health as docker's inspect shows it (`.State.Health`), kept in
/// `health.json` in its directory by `swrun healthcheck run`.
public struct ContainerHealth: Codable, Sendable, Equatable {
    public struct Probe: Codable, Sendable, Equatable {
        public var start: String
        public var end: String
        public var exitCode: Int
        public var output: String

        public init(start: String, end: String, exitCode: Int, output: String) {
            self.start = start
            self.end = end
            self.exitCode = exitCode
            self.output = output
        }

        enum CodingKeys: String, CodingKey {
            case start = "Start", end = "End", exitCode = "ExitCode", output = "Output"
        }
    }

    /// "starting", "healthy" or "unhealthy".
    public var status: String
    public var failingStreak: Int
    /// The last five probes, oldest first.
    public var log: [Probe]

    public static let starting = ContainerHealth(status: "starting", failingStreak: 0, log: [])

    enum CodingKeys: String, CodingKey {
        case status = "Status", failingStreak = "FailingStreak", log = "Log"
    }

    /// docker's defaults for what a healthcheck leaves unset.
    public static let defaultInterval: Int64 = 30_000_000_000
    public static let defaultTimeout: Int64 = 30_000_000_000
    public static let defaultStartInterval: Int64 = 5_000_000_000
    public static let defaultRetries = 3
    /// docker keeps this much of a probe's output.
    public static let maxOutput = 4096

    /// The state after `probe`: a success is healthy at once; failures count only
    /// after the start period (`inStartPeriod`), and `retries` of them in a row make
    /// it unhealthy.
    public func recording(_ probe: Probe, retries: Int, inStartPeriod: Bool) -> ContainerHealth {
        var next = self
        next.log = Array((log + [probe]).suffix(5))
        if probe.exitCode == 0 {
            next.status = "healthy"
            next.failingStreak = 0
        } else if !inStartPeriod {
            next.failingStreak += 1
            if next.failingStreak >= retries { next.status = "unhealthy" }
        }
        return next
    }

    /// The image's healthcheck with the container's flags over it, field by field as
    /// docker merges them; nil when there is none or it is disabled (`NONE`).
    public static func resolve(image: ImageConfigFile.Healthcheck?, flags: ImageConfigFile.Healthcheck?) -> ImageConfigFile.Healthcheck? {
        guard var merged = flags ?? image else { return nil }
        if let flags, let image {
            if flags.test.isEmpty { merged.test = image.test }
            merged.interval = flags.interval ?? image.interval
            merged.timeout = flags.timeout ?? image.timeout
            merged.startPeriod = flags.startPeriod ?? image.startPeriod
            merged.startInterval = flags.startInterval ?? image.startInterval
            merged.retries = flags.retries ?? image.retries
        }
        guard let kind = merged.test.first, kind != "NONE", !(kind == "CMD" && merged.test.count < 2) else { return nil }
        return merged
    }
}

extension ContainerRuntime {
    static let healthFile = "health.json"

    /// The recorded health of a container with a healthcheck; "starting" before the
    /// first probe of this run; nil without a healthcheck.
    public func health(of state: ContainerState) -> ContainerHealth? {
        guard state.healthcheck != nil else { return nil }
        let path = containers.path(of: state.id) + "/" + Self.healthFile
        guard let bytes = try? FileIO.readFile(path), let health = try? JSONDecoder().decode(ContainerHealth.self, from: Data(bytes)) else {
            return .starting
        }
        return health
    }

    /// Stores the result of one probe (under the container directory's lock, as two
    /// probes never overlap but a `healthcheck run` by hand may).
    public func record(_ probe: ContainerHealth.Probe, for state: ContainerState) throws -> ContainerHealth {
        guard let check = state.healthcheck else { throw SwrunError(.invalidArgument, "container \(state.name) has no healthcheck") }
        let path = containers.path(of: state.id) + "/" + Self.healthFile
        let current = health(of: state) ?? .starting
        let startPeriod = Double(check.startPeriod ?? 0) / 1e9
        let inStartPeriod = state.startedAt.map { Date().timeIntervalSince($0) < startPeriod } ?? false
        let next = current.recording(probe, retries: check.retries ?? ContainerHealth.defaultRetries, inStartPeriod: inStartPeriod)
        try FileIO.writeFile(path, bytes: Array(try JSONEncoder().encode(next)), mode: 0o600)
        if next.status != current.status { containers.recordEvent("health_status: " + next.status, of: state) }
        return next
    }
}
