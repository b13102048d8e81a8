import FoundationEssentials

/// One volume of the local driver, as `<root>/volumes/<name>/volume.json` records it.
/// Its content lives in `_data` beside that file, as docker keeps it.
public struct Volume: Codable, Sendable, Equatable {
    public var name: String
    public var driver: String
    public var labels: [String: String]
    /// `-o` options of the local driver (`type`, `device`, `o`).
    public var options: [String: String]
    public var createdAt: Date
    /// Set on anonymous volumes made for a `--rm` container: the volume goes when
    /// that container does.
    public var removeWith: String?

    /// The label docker (≥ 23) puts on anonymous volumes; `volume prune` without `-a`
    /// removes only volumes that carry it.
    public static let anonymousLabel = "com.docker.volume.anonymous"

    public var isAnonymous: Bool { labels[Self.anonymousLabel] != nil }

    public init(name: String, driver: String = "local", labels: [String: String] = [:], options: [String: String] = [:],
                createdAt: Date = Date(), removeWith: String? = nil) {
        self.name = name
        self.driver = driver
        self.labels = labels
        self.options = options
        self.createdAt = createdAt
        self.removeWith = removeWith
    }
}
