import SwrunOS

extension MountRequest {
    /// `--mount type=bind|volume|tmpfs,source=,target=,readonly,…` in docker's words,
    /// errors included: the client's for the syntax ("invalid argument … for
    /// \"--mount\" flag: …"), the daemon's for a config that does not fit its type
    /// ("invalid mount config for type …").
    public static func parseMountFlag(_ text: String) throws -> MountRequest {
        func flagError(_ reason: String) -> SwrunError {
            SwrunError(.invalidArgument, "invalid argument \"\(text)\" for \"--mount\" flag: \(reason)")
        }
        var type = "volume"
        var source: String?
        var target: String?
        var readOnly = false
        var propagation: String?
        var noCopy: Bool?
        var labels: [String: String] = [:]
        var options: [String: String] = [:]
        var tmpfsSize: Int64?
        var tmpfsMode: UInt32?
        var volumeFields = false
        for field in Self.csvFields(text) {
            let pair = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let key = pair[0].lowercased()
            guard pair.count == 2 else {
                switch key {
                case "readonly", "ro": readOnly = true
                case "volume-nocopy":
                    noCopy = true
                    volumeFields = true
                case "bind-recursive", "bind-nonrecursive": break
                default: throw flagError("invalid field '\(field)' must be a key=value pair")
                }
                continue
            }
            let value = pair[1]
            func bool() throws -> Bool {
                switch value.lowercased() {
                case "1", "t", "true": return true
                case "0", "f", "false": return false
                default: throw flagError("invalid value for \(key): \(value)")
                }
            }
            switch key {
            case "type": type = value.lowercased()
            case "source", "src": source = value
            case "target", "dst", "destination": target = value
            case "readonly", "ro": readOnly = try bool()
            case "consistency", "bind-recursive": break
            case "bind-propagation": propagation = value.lowercased()
            case "bind-nonrecursive": _ = try bool()
            case "volume-nocopy":
                noCopy = try bool()
                volumeFields = true
            case "volume-driver":
                guard value == "local" else {
                    throw SwrunError(.notFound, "error looking up volume plugin \(value): plugin \"\(value)\" not found")
                }
                volumeFields = true
            case "volume-label":
                let kv = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                labels[kv[0]] = kv.count > 1 ? kv[1] : ""
                volumeFields = true
            case "volume-opt":
                let kv = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard kv.count == 2 else { throw flagError("invalid value for \(key): \(value)") }
                options[kv[0]] = kv[1]
                volumeFields = true
            case "tmpfs-size":
                guard let size = try? OptionParsing.bytes(value), size >= 0 else { throw flagError("invalid value for \(key): \(value)") }
                tmpfsSize = size
            case "tmpfs-mode":
                guard let mode = UInt32(value, radix: 8) else { throw flagError("invalid value for \(key): \(value)") }
                tmpfsMode = mode
            default:
                throw flagError("unexpected key '\(pair[0])' in '\(field)'")
            }
        }
        guard let target, !target.isEmpty else { throw flagError("target is required") }

        func configError(_ reason: String) -> SwrunError {
            SwrunError(.invalidArgument, "invalid mount config for type \"\(type)\": \(reason)")
        }
        guard ["bind", "volume", "tmpfs"].contains(type) else { throw configError("mount type unknown") }
        guard target.hasPrefix("/") else { throw configError("invalid mount path: '\(target)' mount path must be absolute") }
        if propagation != nil && type != "bind" { throw configError("field BindOptions must not be specified") }
        if volumeFields && type != "volume" { throw configError("field VolumeOptions must not be specified") }
        if (tmpfsSize != nil || tmpfsMode != nil) && type != "tmpfs" { throw configError("field TmpfsOptions must not be specified") }

        var request: MountRequest
        switch type {
        case "bind":
            guard let source, !source.isEmpty else { throw configError("field Source must not be empty") }
            guard source.hasPrefix("/") else { throw configError("invalid mount path: '\(source)' mount path must be absolute") }
            guard FileIO.exists(source) else { throw configError("bind source path does not exist: \(source)") }
            request = MountRequest(source: .bind(source), destination: target)
            if let propagation {
                guard propagations.contains(propagation) else { throw configError("invalid propagation mode: \(propagation)") }
                request.propagation = propagation
            }
        case "tmpfs":
            if let source, !source.isEmpty { throw configError("field Source must not be specified") }
            request = MountRequest(source: .tmpfs(size: tmpfsSize, mode: tmpfsMode), destination: target)
        default:
            let name = source.flatMap { $0.isEmpty ? nil : $0 }
            if let name { try VolumeStore.validateName(name) }
            request = MountRequest(source: .volume(name), destination: target)
            request.noCopy = noCopy ?? false
            request.labels = labels
            request.driverOptions = options
        }
        request.readOnly = readOnly
        return request
    }

    /// The comma-separated fields of a `--mount` value, read as Go's encoding/csv:
    /// a field in double quotes may hold commas.
    static func csvFields(_ text: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            switch character {
            case "\"": quoted.toggle()
            case "," where !quoted:
                fields.append(current)
                current = ""
            default: current.append(character)
            }
        }
        fields.append(current)
        return fields.filter { !$0.isEmpty }
    }
}
