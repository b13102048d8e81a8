/// An IP address as docker reads it from a resolv.conf or an `--add-host` value (Go's
/// `netip.ParseAddr`: strict dotted IPv4 without leading zeros, IPv6 with an optional
/// embedded IPv4 tail and `%zone`) and writes it back (`netip.Addr.String`: RFC 5952).
struct NetworkFileAddress: Equatable {
    /// 4 bytes for IPv4, 16 for IPv6.
    let bytes: [UInt8]
    /// The IPv6 zone ("eth0" in "fe80::1%eth0"), empty when none.
    let zone: String

    init?(_ text: String) {
        if text.contains(":") {
            guard let (bytes, zone) = Self.parseIPv6(Substring(text)) else { return nil }
            self.bytes = bytes
            self.zone = zone
        } else {
            guard let bytes = Self.parseIPv4(Substring(text)) else { return nil }
            self.bytes = bytes
            self.zone = ""
        }
    }

    var isIPv6: Bool { bytes.count == 16 }

    /// An IPv4 address carried in IPv6 (`::ffff:a.b.c.d`).
    var isIPv4Mapped: Bool { isIPv6 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff }

    /// 127.0.0.0/8 (mapped too) or ::1.
    var isLoopback: Bool {
        if !isIPv6 { return bytes[0] == 127 }
        if isIPv4Mapped { return bytes[12] == 127 }
        return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// Go's `netip.Addr.String()`.
    var text: String {
        guard isIPv6 else { return Self.dotted(bytes[...]) }
        let suffix = zone.isEmpty ? "" : "%" + zone
        if isIPv4Mapped { return "::ffff:" + Self.dotted(bytes[12...]) + suffix }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // The longest run of two or more zero groups (the first of equals) becomes "::".
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start > best.length && index - start >= 2 { best = (start, index - start) }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        guard best.start >= 0 else { return hex(0..<8) + suffix }
        return hex(0..<best.start) + "::" + hex((best.start + best.length)..<8) + suffix
    }

    private static func dotted(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { String($0) }.joined(separator: ".")
    }

    private static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let fields = text.split(separator: ".", omittingEmptySubsequences: false)
        guard fields.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for field in fields {
            guard !field.isEmpty, field.count <= 3, field.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            guard field == "0" || field.first != "0", let value = UInt8(field) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func parseIPv6(_ text: Substring) -> (bytes: [UInt8], zone: String)? {
        var address = text
        var zone = ""
        if let percent = text.firstIndex(of: "%") {
            zone = String(text[text.index(after: percent)...])
            guard !zone.isEmpty else { return nil }
            address = text[..<percent]
        }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawEllipsis = false
        var rest = address
        if rest.hasPrefix("::") {
            sawEllipsis = true
            rest = rest.dropFirst(2)
        }
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ":") ?? rest.endIndex
            let field = rest[..<end]
            if field.contains(".") {
                // An IPv4 tail: the last thing in the address.
                guard end == rest.endIndex, let v4 = parseIPv4(field) else { return nil }
                let pair = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if sawEllipsis { tail += pair } else { head += pair }
                rest = rest[end...]
                break
            }
            guard !field.isEmpty, field.count <= 4, let value = UInt16(field, radix: 16),
                field.allSatisfy({ $0.isHexDigit }) else { return nil }
            if sawEllipsis { tail.append(value) } else { head.append(value) }
            rest = rest[end...]
            if rest.hasPrefix("::") {
                guard !sawEllipsis else { return nil }
                sawEllipsis = true
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix(":") {
                rest = rest.dropFirst()
                guard !rest.isEmpty else { return nil }
            }
        }
        guard rest.isEmpty else { return nil }
        let count = head.count + tail.count
        if sawEllipsis {
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - count) + tail
        return (groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }, zone)
    }
}
