import GoTemplate

extension RunMount {
    /// Parses one `--mount=` value as BuildKit does: CSV fields `key=value` (or a bare
    /// `ro`, `rw`, `required`), each value passed through `expand` first.
    static func parse(_ spec: String, expand: (String) throws -> String) throws -> RunMount {
        var mount = RunMount(kind: .bind)
        var readOnlyChosen = false
        for field in try csvFields(spec) {
            let key: String
            var value: String
            if let equals = field.firstIndex(of: "=") {
                key = field[..<equals].lowercased()
                value = String(field[field.index(after: equals)...])
            } else {
                switch field.lowercased() {
                case "readonly", "ro":
                    mount.readOnly = true
                    readOnlyChosen = true
                case "readwrite", "rw":
                    mount.readOnly = false
                    readOnlyChosen = true
                case "required":
                    guard mount.kind == .secret || mount.kind == .ssh else {
                        throw ParseFailure("unexpected key 'required' for mount type '\(mount.kind.rawValue)'")
                    }
                    mount.required = true
                default:
                    throw ParseFailure("invalid field '\(field)' must be a key=value pair")
                }
                continue
            }
            value = try expand(value)
            switch key {
            case "type":
                guard let kind = Kind(rawValue: value.lowercased()) else {
                    throw ParseFailure(Suggest.wrap("unsupported mount type \(goQuoted(value))", value: value,
                                                    options: ["bind", "cache", "secret", "ssh", "tmpfs"], caseSensitive: true))
                }
                mount.kind = kind
            case "from": mount.from = value
            case "source", "src": mount.source = value
            case "target", "dst", "destination": mount.target = value
            case "readonly", "ro":
                mount.readOnly = try parseBool(value, key)
                readOnlyChosen = true
            case "readwrite", "rw":
                mount.readOnly = try !parseBool(value, key)
                readOnlyChosen = true
            case "required":
                guard mount.kind == .secret || mount.kind == .ssh else {
                    throw ParseFailure("unexpected key '\(key)' for mount type '\(mount.kind.rawValue)'")
                }
                mount.required = try parseBool(value, key)
            case "size":
                guard mount.kind == .tmpfs else {
                    throw ParseFailure("unexpected key '\(key)' for mount type '\(mount.kind.rawValue)'")
                }
                guard let size = ramInBytes(value) else { throw ParseFailure("invalid value for \(key): \(value)") }
                mount.size = size
            case "id": mount.id = value
            case "sharing":
                let sharing = value.lowercased()
                guard ["shared", "private", "locked"].contains(sharing) else {
                    throw ParseFailure(Suggest.wrap("unsupported sharing value \(goQuoted(value))", value: value,
                                                    options: ["locked", "private", "shared"], caseSensitive: true))
                }
                mount.sharing = sharing
            case "mode":
                guard let mode = UInt32(value, radix: 8) else { throw ParseFailure("invalid value \(value) for mode") }
                mount.mode = mode
            case "uid":
                guard let uid = UInt32(value) else { throw ParseFailure("invalid value \(value) for uid") }
                mount.uid = uid
            case "gid":
                guard let gid = UInt32(value) else { throw ParseFailure("invalid value \(value) for gid") }
                mount.gid = gid
            case "env": mount.env = value
            default:
                let keys = ["type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid", "gid",
                            "src", "dst", "destination", "ro", "rw", "readwrite", "env"]
                throw ParseFailure(Suggest.wrap("unexpected key '\(key)' in '\(field)'", value: key, options: keys, caseSensitive: true))
            }
        }

        if mount.kind != .secret && mount.kind != .ssh && mount.kind != .cache {
            if mount.mode != nil { throw ParseFailure("mode not allowed for \(goQuoted(mount.kind.rawValue)) type mounts") }
            if mount.uid != nil { throw ParseFailure("uid not allowed for \(goQuoted(mount.kind.rawValue)) type mounts") }
            if mount.gid != nil { throw ParseFailure("gid not allowed for \(goQuoted(mount.kind.rawValue)) type mounts") }
        }
        // Cache and tmpfs mounts are writable unless asked otherwise; the others read-only.
        if !readOnlyChosen { mount.readOnly = !(mount.kind == .cache || mount.kind == .tmpfs) }
        if mount.kind == .secret {
            if mount.from != nil { throw ParseFailure("secret mount should not have a from") }
            if mount.sharing != nil { throw ParseFailure("secret mount should not define sharing") }
            if (mount.source ?? "").isEmpty && (mount.target ?? "").isEmpty && (mount.id ?? "").isEmpty {
                throw ParseFailure("invalid secret mount. one of source, target required")
            }
            if !(mount.source ?? "").isEmpty && !(mount.id ?? "").isEmpty { throw ParseFailure("both source and id can't be set") }
        }
        if mount.sharing != nil && mount.kind != .cache {
            throw ParseFailure("invalid cache sharing set for \(mount.kind.rawValue) mount")
        }
        return mount
    }

    /// BuildKit refuses variables in `from=` when it first reads the instruction (a `$` at
    /// the very end is a plain character).
    static func checkFrom(_ spec: String) throws {
        for field in (try? csvFields(spec)) ?? [] {
            guard let equals = field.firstIndex(of: "="), field[..<equals].lowercased() == "from" else { continue }
            let value = field[field.index(after: equals)...]
            if let dollar = value.firstIndex(of: "$"), dollar != value.index(before: value.endIndex) {
                throw ParseFailure("'from' doesn't support variable expansion, define alias stage instead")
            }
        }
    }

    /// Go's strconv.ParseBool.
    static func parseBool(_ value: String, _ key: String) throws -> Bool {
        switch value {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: throw ParseFailure("invalid value for \(key): \(value)")
        }
    }

    /// docker/go-units RAMInBytes: "64m", "1.5g", "512", "2GiB" with 1024-based units.
    static func ramInBytes(_ text: String) -> Int64? {
        var s = Substring(text)
        let number = s.prefix { ($0.isASCII && $0.isNumber) || $0 == "." }
        s = s.dropFirst(number.count)
        // digits, then groups of "." and digits
        let groups = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, groups.allSatisfy({ !$0.isEmpty }), let size = Double(number) else { return nil }
        if s.first == " " { s = s.dropFirst() }
        var multiplier: Double = 1
        if let unit = s.first, let power = "kmgtp".firstIndex(of: Character(unit.lowercased())) {
            multiplier = pow1024("kmgtp".distance(from: "kmgtp".startIndex, to: power) + 1)
            s = s.dropFirst()
        }
        if s.first == "i" || s.first == "I" { s = s.dropFirst() }
        if s.first == "b" || s.first == "B" { s = s.dropFirst() }
        guard s.isEmpty else { return nil }
        return Int64(size * multiplier)
    }

    private static func pow1024(_ n: Int) -> Double {
        var value: Double = 1
        for _ in 0..<n { value *= 1024 }
        return value
    }

    /// One CSV record (encoding/csv rules: `"…"` quoting with `""` inside).
    static func csvFields(_ text: String) throws -> [String] {
        var fields: [String] = []
        var chars = text[...]
        while true {
            var field = ""
            if chars.first == "\"" {
                chars.removeFirst()
                var closed = false
                while let c = chars.first {
                    chars.removeFirst()
                    if c == "\"" {
                        if chars.first == "\"" {
                            field.append("\"")
                            chars.removeFirst()
                            continue
                        }
                        closed = true
                        break
                    }
                    field.append(c)
                }
                guard closed, chars.isEmpty || chars.first == "," else {
                    throw ParseFailure("failed to parse csv mounts: extraneous or missing \" in quoted-field")
                }
            } else {
                while let c = chars.first, c != "," {
                    if c == "\"" { throw ParseFailure("failed to parse csv mounts: bare \" in non-quoted-field") }
                    field.append(c)
                    chars.removeFirst()
                }
            }
            fields.append(field)
            guard chars.first == "," else { break }
            chars.removeFirst()
        }
        return fields
    }
}
