import SwrunOS

/// The ARG values of a build: `--build-arg` values, the global scope (ARGs before the
/// first FROM, which FROM lines and stage ARGs without a value see), and the ARGs
/// BuildKit predefines.
struct BuildArguments {
    /// `--build-arg` values.
    let given: [String: String]
    /// Global ARGs with their values, after `given`.
    private(set) var global: [String: String] = [:]
    /// The names of `given` that some ARG declared (or a proxy ARG, which needs none).
    private(set) var consumed: Set<String> = []
    /// TARGETPLATFORM, BUILDPLATFORM and their parts.
    let platform: [String: String]

    /// The proxy ARGs: usable without an ARG line, passed to RUN, kept out of history.
    static let proxyNames: Set<String> = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
        "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    ]

    init(given: [String: String], platform: String?) throws {
        self.given = given
        self.platform = try Self.platformArguments(target: platform)
        // SOURCE_DATE_EPOCH needs no ARG line either: it sets the build's times.
        consumed = Set(given.keys.filter { Self.proxyNames.contains($0) || $0 == "SOURCE_DATE_EPOCH" })
    }

    /// BuildKit's automatic platform ARGs: the build's platform is the host's, the
    /// target `--platform` (os/arch[/variant]) or the host's.
    static func platformArguments(target: String?) throws -> [String: String] {
        let host = ("linux", HostSystem.goArch, "")
        var wanted = host
        if let target {
            let parts = target.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard (2...3).contains(parts.count), !parts[0].isEmpty, !parts[1].isEmpty else {
                throw SwrunError(.invalidArgument, "invalid platform \(target): use os/arch[/variant]")
            }
            wanted = (parts[0], parts[1], parts.count == 3 ? parts[2] : "")
        }
        func join(_ p: (String, String, String)) -> String { p.2.isEmpty ? "\(p.0)/\(p.1)" : "\(p.0)/\(p.1)/\(p.2)" }
        return [
            "TARGETPLATFORM": join(wanted), "TARGETOS": wanted.0, "TARGETARCH": wanted.1, "TARGETVARIANT": wanted.2,
            "BUILDPLATFORM": join(host), "BUILDOS": host.0, "BUILDARCH": host.1, "BUILDVARIANT": host.2,
        ]
    }

    /// A global ARG: `--build-arg`, else its default expanded with the globals so far.
    mutating func declareGlobal(_ name: String, expandedDefault: String?) {
        if given[name] != nil { consumed.insert(name) }
        if let value = given[name] ?? expandedDefault ?? platform[name] { global[name] = value }
    }

    /// The variables FROM lines and global ARG defaults are expanded with.
    var globalScope: [String: String] {
        platform.merging(global) { _, declared in declared }
    }

    /// A stage's ARG: `--build-arg`, else its default, else the global ARG's value
    /// (or a predefined platform ARG's). Nil: declared without a value.
    mutating func stageValue(_ name: String, expandedDefault: String?) -> String? {
        if let value = given[name] {
            consumed.insert(name)
            return value
        }
        return expandedDefault ?? global[name] ?? platform[name]
    }

    /// Proxy ARGs given with `--build-arg`: in every RUN's environment.
    var proxies: [(String, String)] {
        given.filter { Self.proxyNames.contains($0.key) }.sorted { $0.key < $1.key }
    }

    /// `--build-arg` names no ARG declared.
    var unused: [String] { given.keys.filter { !consumed.contains($0) }.sorted() }
}
