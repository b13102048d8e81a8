/// One entry of a device allowlist, as the v1 `devices.allow` file spells it
/// ("c 1:3 rwm") and the v2 device BPF program checks it.
struct DeviceRule: Sendable, Equatable {
    enum Kind: Character, Sendable { case char = "c", block = "b" }
    struct Access: OptionSet, Sendable {
        let rawValue: UInt32
        // The values of BPF_DEVCG_ACC_* in linux/bpf.h.
        static let mknod = Access(rawValue: 1)
        static let read = Access(rawValue: 2)
        static let write = Access(rawValue: 4)
        static let all: Access = [.read, .write, .mknod]
    }

    let kind: Kind
    /// nil is any number ("*").
    let major: UInt32?
    let minor: UInt32?
    let access: Access

    /// "c 1:3 rwm".
    var v1String: String {
        let number = { (value: UInt32?) in value.map(String.init) ?? "*" }
        var letters = ""
        if access.contains(.read) { letters += "r" }
        if access.contains(.write) { letters += "w" }
        if access.contains(.mknod) { letters += "m" }
        return "\(kind.rawValue) \(number(major)):\(number(minor)) \(letters)"
    }

    /// Docker's default allowlist for a container that is not privileged.
    static let dockerDefaults: [DeviceRule] = [
        DeviceRule(kind: .char, major: nil, minor: nil, access: .mknod),
        DeviceRule(kind: .block, major: nil, minor: nil, access: .mknod),
        DeviceRule(kind: .char, major: 1, minor: 3, access: .all),    // /dev/null
        DeviceRule(kind: .char, major: 1, minor: 5, access: .all),    // /dev/zero
        DeviceRule(kind: .char, major: 1, minor: 7, access: .all),    // /dev/full
        DeviceRule(kind: .char, major: 1, minor: 8, access: .all),    // /dev/random
        DeviceRule(kind: .char, major: 1, minor: 9, access: .all),    // /dev/urandom
        DeviceRule(kind: .char, major: 5, minor: 0, access: .all),    // /dev/tty
        DeviceRule(kind: .char, major: 5, minor: 1, access: .all),    // /dev/console
        DeviceRule(kind: .char, major: 5, minor: 2, access: .all),    // /dev/ptmx
        DeviceRule(kind: .char, major: 136, minor: nil, access: .all), // /dev/pts/*
        DeviceRule(kind: .char, major: 10, minor: 200, access: .all), // /dev/net/tun
        DeviceRule(kind: .char, major: 10, minor: 229, access: .all), // /dev/fuse
    ]
}

extension DeviceRule {
    /// Parses "c 1:3 rwm" (`a` = every device; `*` = any number); nil if malformed.
    init?(v1String text: String) {
        let parts = text.split(separator: " ")
        guard parts.count == 3, let kindChar = parts[0].first else { return nil }
        let numbers = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2 else { return nil }
        func number(_ s: Substring) -> UInt32?? { s == "*" ? .some(nil) : UInt32(s).map { .some($0) } }
        guard let major = number(numbers[0]), let minor = number(numbers[1]) else { return nil }
        var access: Access = []
        for letter in parts[2] {
            switch letter {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default: return nil
            }
        }
        switch kindChar {
        case "c": self.init(kind: .char, major: major, minor: minor, access: access)
        case "b": self.init(kind: .block, major: major, minor: minor, access: access)
        default: return nil
        }
    }
}
