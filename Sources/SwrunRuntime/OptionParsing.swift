import SwrunOS

/// Parsers for the values of docker's run flags. Pure functions: unit-tested.
public enum OptionParsing {
    /// docker's RAMInBytes: "512m", "1g", "100k", "1024", "1.5g", "2gb"; "-1" = unlimited.
    public static func bytes(_ text: String) throws -> Int64 {
        let s = text.lowercased().trimmingSpaces()
        if s == "-1" { return -1 }
        var number = Substring(s)
        if number.hasSuffix("b") && number.count > 1 && !(number.dropLast().last?.isNumber ?? true) { number = number.dropLast() }
        var multiplier: Double = 1
        if let unit = number.last, !unit.isNumber {
            switch unit {
            case "b": multiplier = 1
            case "k": multiplier = Double(Int64(1) << 10)
            case "m": multiplier = Double(Int64(1) << 20)
            case "g": multiplier = Double(Int64(1) << 30)
            case "t": multiplier = Double(Int64(1) << 40)
            case "p": multiplier = Double(Int64(1) << 50)
            default: throw SwrunError(.invalidArgument, "invalid size: '\(text)'")
            }
            number = number.dropLast()
        }
        guard let value = Double(number), value >= 0, value.isFinite else {
            throw SwrunError(.invalidArgument, "invalid size: '\(text)'")
        }
        return Int64(value * multiplier)
    }

    static let rlimitNumbers: [String: Int32] = [
        "cpu": 0, "fsize": 1, "data": 2, "stack": 3, "core": 4, "rss": 5, "nproc": 6, "nofile": 7,
        "memlock": 8, "as": 9, "locks": 10, "sigpending": 11, "msgqueue": 12, "nice": 13, "rtprio": 14, "rttime": 15,
    ]

    /// `--ulimit NAME=SOFT[:HARD]`; -1 means unlimited.
    public static func ulimit(_ text: String) throws -> InitRlimit {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let resource = rlimitNumbers[parts[0]] else {
            throw SwrunError(.invalidArgument, "invalid ulimit: '\(text)' (want NAME=SOFT[:HARD] with a known NAME)")
        }
        let values = parts[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func limit(_ s: String) throws -> UInt64 {
            if s == "-1" || s == "unlimited" { return UInt64.max }
            guard let v = UInt64(s) else { throw SwrunError(.invalidArgument, "invalid ulimit value: '\(text)'") }
            return v
        }
        guard values.count == 1 || values.count == 2 else { throw SwrunError(.invalidArgument, "invalid ulimit: '\(text)'") }
        let soft = try limit(values[0])
        let hard = values.count == 2 ? try limit(values[1]) : soft
        guard soft <= hard else {
            throw SwrunError(.invalidArgument, "invalid ulimit: '\(text)': soft limit is above the hard limit")
        }
        return InitRlimit(resource: resource, soft: soft, hard: hard)
    }

    /// `--tmpfs PATH[:OPTIONS]` with docker's defaults (noexec, nosuid, size=65536k).
    public static func tmpfs(_ text: String) throws -> InitMount {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let path = parts[0]
        guard path.hasPrefix("/") else { throw SwrunError(.invalidArgument, "invalid --tmpfs: '\(text)': path must be absolute") }
        var flags = MountFlags.noExec | MountFlags.noSuid | MountFlags.noDev
        var data: [String] = []
        let options = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
        for option in options {
            switch option {
            case "ro": flags |= MountFlags.readOnly
            case "rw": flags &= ~MountFlags.readOnly
            case "exec": flags &= ~MountFlags.noExec
            case "noexec": flags |= MountFlags.noExec
            case "suid": flags &= ~MountFlags.noSuid
            case "nosuid": flags |= MountFlags.noSuid
            case "dev": flags &= ~MountFlags.noDev
            case "nodev": flags |= MountFlags.noDev
            default: data.append(option)
            }
        }
        if !data.contains(where: { $0.hasPrefix("size=") }) { data.append("size=65536k") }
        return InitMount(kind: .filesystem, source: "tmpfs", destination: path, fsType: "tmpfs", flags: flags, data: data.joined(separator: ","))
    }

    /// `-v HOST:CTR[:ro|rw]`: a bind mount of an absolute host path.
    public static func volume(_ text: String) throws -> InitMount {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw SwrunError(.invalidArgument, "invalid volume specification: '\(text)'")
        }
        guard parts[0].hasPrefix("/") else {
            throw SwrunError(.unsupported, "invalid volume specification: '\(text)': named volumes are not supported; use an absolute host path")
        }
        guard parts[1].hasPrefix("/") else {
            throw SwrunError(.invalidArgument, "invalid volume specification: '\(text)': container path must be absolute")
        }
        var flags: UInt64 = 0
        if parts.count == 3 {
            for option in parts[2].split(separator: ",") {
                switch option {
                case "ro": flags |= MountFlags.readOnly
                case "rw", "z", "Z", "rbind", "rprivate", "private": break
                default: throw SwrunError(.invalidArgument, "invalid volume specification: '\(text)': unknown option \(option)")
                }
            }
        }
        return InitMount(kind: .bind, source: parts[0], destination: parts[1], flags: flags)
    }

    /// The lines of an `--env-file`: `KEY=VALUE` or `KEY`; blank lines and `#` comments skipped.
    public static func envFile(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { raw in
            let line = raw.trimmingSpaces()
            return line.isEmpty || line.hasPrefix("#") ? nil : line
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
