import FoundationEssentials
import SwrunOS

/// A container's `--log-driver` and `--log-opt`s, checked as docker's json-file driver
/// checks them, kept in its state (inspect's `HostConfig.LogConfig`).
public struct ContainerLogConfig: Codable, Sendable, Equatable {
    /// "json-file" (the monitor writes `container.log`) or "none".
    public var type: String
    public var config: [String: String]
    /// What each log line carries as `attrs` (from the `labels` and `env` options),
    /// fixed when the container is created, as docker does.
    public var attributes: [String: String]?

    public static let drivers = ["json-file", "none"]
    static let jsonFileOptions: Set<String> = ["max-size", "max-file", "compress", "labels", "labels-regex", "env", "env-regex", "tag"]

    /// Checks the driver and its options ("max-size=10m"); docker's messages.
    public init(driver: String?, options: [String]) throws {
        type = driver ?? "json-file"
        config = [:]
        guard Self.drivers.contains(type) else {
            throw SwrunError(.invalidArgument, "failed to create task for container: logger: no log driver named '\(type)' is registered")
        }
        for option in options {
            guard let eq = option.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "invalid key value pair format in log options: \(option)")
            }
            config[String(option[..<eq])] = String(option[option.index(after: eq)...])
        }
        if type == "none" {
            if let key = config.keys.sorted().first {
                throw SwrunError(.invalidArgument, "logger: the none log driver takes no options (got '\(key)')")
            }
            return
        }
        for key in config.keys.sorted() where !Self.jsonFileOptions.contains(key) {
            throw SwrunError(.invalidArgument, "unknown log opt '\(key)' for json-file log driver")
        }
        if let text = config["max-size"] {
            let size = try Self.humanSize(text)
            if size <= 0 { throw SwrunError(.invalidArgument, "max-size must be a positive number") }
        }
        if let text = config["max-file"] {
            guard let files = Int(text) else { throw SwrunError(.invalidArgument, "strconv.Atoi: parsing \"\(text)\": invalid syntax") }
            if files < 1 { throw SwrunError(.invalidArgument, "max-file cannot be less than 1") }
        }
        if let compress = config["compress"], compress != "false" && compress != "0" {
            // Rotated files stay plain text here.
            throw SwrunError(.unsupported, "log opt compress=\(compress) is not supported by swrun's json-file driver")
        }
    }

    /// Bytes after which the log is rotated; 0 = never.
    public var maxBytes: Int64 { config["max-size"].flatMap { try? Self.humanSize($0) } ?? 0 }
    /// How many files the log keeps, the current one included (docker's `max-file`).
    public var maxFiles: Int { config["max-file"].flatMap { Int($0) } ?? 1 }

    /// Fills `attributes` from the container's labels and environment as the `labels`,
    /// `labels-regex`, `env` and `env-regex` options pick them.
    public mutating func pickAttributes(labels: [String: String], env: [String]) {
        var picked: [String: String] = [:]
        let environment = Dictionary(env.map { entry -> (String, String) in
            guard let eq = entry.firstIndex(of: "=") else { return (entry, "") }
            return (String(entry[..<eq]), String(entry[entry.index(after: eq)...]))
        }, uniquingKeysWith: { _, last in last })
        for key in Self.list(config["labels"]) { if let value = labels[key] { picked[key] = value } }
        for key in Self.list(config["env"]) { if let value = environment[key] { picked[key] = value } }
        if let pattern = config["labels-regex"], let regex = try? Regex(pattern) {
            for (key, value) in labels where key.contains(regex) { picked[key] = value }
        }
        if let pattern = config["env-regex"], let regex = try? Regex(pattern) {
            for (key, value) in environment where key.contains(regex) { picked[key] = value }
        }
        attributes = picked.isEmpty ? nil : picked
    }

    /// `attributes` as the JSON object the monitor puts in each line; nil without any.
    var attributesJSON: String? {
        guard let attributes, !attributes.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(attributes) else { return nil }
        // Go's encoding/json (docker's writer) escapes these three as \u00XX too; here
        // they can only stand inside strings.
        return String(decoding: data, as: UTF8.self)
            .replacing("&", with: "\\u0026")
            .replacing("<", with: "\\u003c")
            .replacing(">", with: "\\u003e")
    }

    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { String($0) }
    }

    /// go-units' FromHumanSize: decimal units ("10m" = 10,000,000 bytes), as docker
    /// reads max-size.
    public static func humanSize(_ text: String) throws -> Int64 {
        var s = Substring(text.lowercased())
        if s.hasSuffix("b") { s = s.dropLast() }
        if s.hasSuffix("i") { s = s.dropLast() }
        var multiplier: Double = 1
        if let unit = s.last, let scale = ["k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15][unit] {
            multiplier = scale
            s = s.dropLast()
        }
        if s.hasSuffix(" ") { s = s.dropLast() }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(s) else {
            throw SwrunError(.invalidArgument, "invalid size: '\(text)'")
        }
        return Int64(value * multiplier)
    }
}
