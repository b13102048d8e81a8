/// One event of `swrun events`, as the store keeps it: docker's `events.Message` without
/// its deprecated fields.
///
/// The store's line is not JSON: the monitor appends `die` and links no JSON writer (the
/// one writer lives in GoTemplate, above this module), so a line is tab-separated fields
/// with `\\`, `\t` and `\n` escaped: time in ns, type, action, actor ID, then the
/// attributes as `key=value`.
public struct RecordedEvent: Sendable, Equatable {
    /// "container" or "image".
    public var type: String
    /// "create", "start", "die", "pull", "tag", …
    public var action: String
    /// The container's ID, or the image's (or its reference, for pull and push).
    public var actorID: String
    /// `name`, `image`, `exitCode`, `signal`, … as docker names them.
    public var attributes: [String: String]
    /// When it happened, in ns since the epoch.
    public var timeNanos: Int64

    public init(type: String, action: String, actorID: String, attributes: [String: String] = [:], timeNanos: Int64 = ExitRecord.nowNanos()) {
        self.type = type
        self.action = action
        self.actorID = actorID
        self.attributes = attributes
        self.timeNanos = timeNanos
    }

    /// The stored line, ending in a newline.
    public var line: String {
        var fields = [String(timeNanos), type, action, actorID]
        fields += attributes.keys.sorted().map { $0 + "=" + (attributes[$0] ?? "") }
        return fields.map(Self.escape).joined(separator: "\t") + "\n"
    }

    /// Reads a stored line (without its newline); nil for one that is not an event.
    public init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(Self.unescape)
        guard fields.count >= 4, let time = Int64(fields[0]), !fields[1].isEmpty, !fields[2].isEmpty else { return nil }
        var attributes: [String: String] = [:]
        for field in fields.dropFirst(4) {
            guard let equals = field.firstIndex(of: "=") else { return nil }
            attributes[String(field[..<equals])] = String(field[field.index(after: equals)...])
        }
        self.init(type: fields[1], action: fields[2], actorID: fields[3], attributes: attributes, timeNanos: time)
    }

    /// Attributes alone in the stored encoding (the container's `actor` file).
    public static func encodeAttributes(_ attributes: [String: String]) -> String {
        attributes.keys.sorted().map { escape($0 + "=" + (attributes[$0] ?? "")) }.joined(separator: "\t")
    }

    /// The attributes of `encodeAttributes`' text.
    public static func decodeAttributes(_ text: String) -> [String: String] {
        var attributes: [String: String] = [:]
        for field in text.split(whereSeparator: { $0 == "\t" || $0 == "\n" }).map(unescape) {
            guard let equals = field.firstIndex(of: "=") else { continue }
            attributes[String(field[..<equals])] = String(field[field.index(after: equals)...])
        }
        return attributes
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A }) else { return text }
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "t": out += "\t"
                case "n": out += "\n"
                default: out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
