import FoundationEssentials
import SwrunOS

/// What `ps --filter` and `container prune --filter` look at of one container.
public struct ContainerFacts: Sendable {
    public var id: String
    public var name: String
    public var labels: [String: String]
    /// docker's state word: created, restarting, running, removing, paused, exited, dead.
    public var status: String
    public var exitCode: Int32
    public var imageID: String
    public var created: Date
    /// starting, healthy, unhealthy, or none (no healthcheck).
    public var health: String
    /// Sources (volume names, host paths) and destinations of its mounts.
    public var mountPoints: [String]
    /// Names (and IDs) of the networks it is attached to.
    public var networks: [String]

    public init(id: String, name: String, labels: [String: String], status: String, exitCode: Int32, imageID: String,
                created: Date, health: String = "none", mountPoints: [String] = [], networks: [String] = []) {
        self.id = id
        self.name = name
        self.labels = labels
        self.status = status
        self.exitCode = exitCode
        self.imageID = imageID
        self.created = created
        self.health = health
        self.mountPoints = mountPoints
        self.networks = networks
    }
}

/// docker's container filters (`--filter key=value`, repeatable): values of one key are
/// alternatives, different keys must all match. References to images and containers
/// (ancestor, before, since) are resolved by the caller into `ancestorImageIDs` and
/// `before`/`since` dates.
public struct ContainerFilter: Sendable {
    public static let psKeys: Set<String> = [
        "name", "id", "label", "status", "exited", "ancestor", "before", "since", "health", "volume", "network",
        "isolation", "is-task", "publish", "expose",
    ]
    public static let pruneKeys: Set<String> = ["until", "label", "label!"]
    public static let statuses: Set<String> = ["created", "restarting", "running", "removing", "paused", "exited", "dead"]
    public static let healthStates: Set<String> = ["starting", "healthy", "unhealthy", "none"]

    /// Values by key, in the order given.
    public private(set) var values: [String: [String]] = [:]
    /// Image IDs an `ancestor` filter accepts: the named images and their descendants.
    public var ancestorImageIDs: Set<String> = []
    /// Creation time of the `before` / `since` container.
    public var before: Date?
    public var since: Date?
    /// `until` (prune): only containers created before it.
    public var until: Date?

    /// Reads `key=value` arguments; `allowed` is the command's set of keys.
    public init(_ arguments: [String], allowed: Set<String> = ContainerFilter.psKeys) throws {
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "bad format of filter (expected name=value)")
            }
            let key = String(argument[..<equals]).trimmingSpaces().lowercased()
            let value = String(argument[argument.index(after: equals)...])
            guard allowed.contains(key) else { throw SwrunError(.invalidArgument, "invalid filter '\(key)'") }
            switch key {
            case "status" where !Self.statuses.contains(value),
                 "health" where !Self.healthStates.contains(value),
                 "exited" where Int32(value) == nil:
                throw SwrunError(.invalidArgument, "invalid filter '\(key)=\(value)'")
            default:
                break
            }
            values[key, default: []].append(value)
        }
    }

    public func contains(_ key: String) -> Bool { values[key] != nil }

    /// Whether `c` passes every filter.
    public func matches(_ c: ContainerFacts) -> Bool {
        for (key, wanted) in values {
            let passes: Bool
            switch key {
            case "name": passes = wanted.contains { Self.regexMatch($0, c.name) || Self.regexMatch($0, "/" + c.name) }
            case "id": passes = wanted.contains { Self.regexMatch($0, c.id) }
            case "label": passes = wanted.allSatisfy { Self.labelMatch($0, c.labels) }
            case "status": passes = wanted.contains(c.status)
            case "exited": passes = c.status == "exited" && wanted.contains { Int32($0) == c.exitCode }
            case "health": passes = wanted.contains(c.health)
            case "ancestor": passes = ancestorImageIDs.contains(c.imageID)
            case "before": passes = before.map { c.created < $0 } ?? true
            case "since": passes = since.map { c.created > $0 } ?? true
            case "volume": passes = wanted.contains { c.mountPoints.contains($0) }
            case "network": passes = wanted.contains { c.networks.contains($0) }
            case "until": passes = until.map { c.created < $0 } ?? true
            case "label!": passes = !wanted.contains { Self.labelMatch($0, c.labels) }
            default: passes = true
            }
            if !passes { return false }
        }
        return true
    }

    /// `key` present, or `key=value` equal (docker's label filter; every label filter
    /// must hold).
    public static func labelMatch(_ filter: String, _ labels: [String: String]) -> Bool {
        let parts = filter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let value = labels[parts[0]] else { return false }
        return parts.count == 1 || value == parts[1]
    }

    /// Go's regexp.MatchString: the pattern anywhere in `text`; a pattern that does
    /// not compile matches as plain text.
    static func regexMatch(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return text.contains(pattern) }
        return (try? regex.firstMatch(in: text)) != nil
    }
}

extension ContainerFacts {
    /// The facts the state record alone gives (prune's filters need no more).
    public init(state: ContainerState) {
        self.init(id: state.id, name: state.name, labels: state.labels ?? [:], status: state.isRunning ? "running" : state.status == .created ? "created" : "exited",
                  exitCode: state.exitCode, imageID: state.imageID, created: state.created)
    }
}
