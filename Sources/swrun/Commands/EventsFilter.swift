import Foundation
import SwrunOS

/// `events --filter`: docker's event filters. Values of one key are alternatives, keys
/// must all match; `container` matches an ID or name prefix, `image` a container's image
/// or an image's ID or name (with or without its tag), `label` an attribute (`k` or `k=v`).
struct EventsFilter: Equatable {
    static let keys: Set = ["type", "event", "container", "image", "label", "scope"]

    var values: [String: [String]] = [:]

    init(_ arguments: [String]) throws {
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "invalid argument \"\(argument)\" for \"-f, --filter\" flag: bad format of filter (expected name=value)")
            }
            let key = argument[..<equals].lowercased()
            guard Self.keys.contains(key) else { throw CommandFailure(message: "invalid filter '\(key)'", exitCode: 1) }
            values[key, default: []].append(String(argument[argument.index(after: equals)...]))
        }
    }

    func includes(_ event: RecordedEvent) -> Bool {
        exact("type", event.type) && matchesAction(event.action) && exact("scope", "local")
            && fuzzy("container", event.type == "container" ? [event.actorID, event.attributes["name"]] : [])
            && matchesImage(event) && matchesLabels(event.attributes)
    }

    /// Actions docker writes with a suffix ("health_status: healthy", "exec_start: sh -c …"):
    /// when a filter names one of them, docker matches every `event` value as a prefix.
    static let prefixActions: Set = ["health_status", "exec_create", "exec_start"]

    private func matchesAction(_ action: String) -> Bool {
        guard let wanted = values["event"] else { return true }
        if wanted.contains(where: Self.prefixActions.contains) { return wanted.contains { action.hasPrefix($0) } }
        return wanted.contains(action)
    }

    private func exact(_ key: String, _ value: String) -> Bool {
        values[key].map { $0.contains(value) } ?? true
    }

    private func fuzzy(_ key: String, _ candidates: [String?]) -> Bool {
        guard let wanted = values[key] else { return true }
        return candidates.compactMap { $0 }.contains { candidate in wanted.contains { candidate == $0 || candidate.hasPrefix($0) } }
    }

    private func matchesImage(_ event: RecordedEvent) -> Bool {
        guard let wanted = values["image"] else { return true }
        let name = event.attributes[event.type == "image" ? "name" : "image"] ?? ""
        let candidates = [event.actorID, name, Self.strippingTag(event.actorID), Self.strippingTag(name)]
        return candidates.contains { candidate in !candidate.isEmpty && wanted.contains(candidate) }
    }

    private func matchesLabels(_ attributes: [String: String]) -> Bool {
        guard let wanted = values["label"] else { return true }
        return wanted.allSatisfy { label in
            guard let equals = label.firstIndex(of: "=") else { return attributes[label] != nil }
            return attributes[String(label[..<equals])] == String(label[label.index(after: equals)...])
        }
    }

    /// "busybox:latest" → "busybox"; a registry port is not a tag.
    static func strippingTag(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":"), !name[colon...].contains("/"), !name.hasPrefix("sha256:") else { return name }
        return String(name[..<colon])
    }
}
