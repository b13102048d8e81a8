/// Resolves `USER[:GROUP]` against the contents of a container's /etc/passwd and
/// /etc/group, as docker does: names or numbers, the passwd entry's primary group and
/// home, and supplementary groups from every group that lists the user.
public struct ResolvedUser: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    public var home: String
    public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32], home: String) {
        self.uid = uid
        self.gid = gid
        self.additionalGids = additionalGids
        self.home = home
    }
}

public enum UserDatabase {
    struct PasswdEntry { var name: String; var uid: UInt32; var gid: UInt32; var home: String }
    struct GroupEntry { var name: String; var gid: UInt32; var members: [String] }

    /// The name of `uid` in the passwd file `text`, nil when it has none. Read from the
    /// file, never through NSS: static binaries cannot load NSS modules.
    public static func userName(of uid: UInt32, passwd text: String) -> String? {
        parsePasswd(text).first { $0.uid == uid }?.name
    }

    static func parsePasswd(_ text: String) -> [PasswdEntry] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 7, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdEntry(name: String(f[0]), uid: uid, gid: gid, home: String(f[5]))
        }
    }

    static func parseGroup(_ text: String) -> [GroupEntry] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 4, let gid = UInt32(f[2]) else { return nil }
            return GroupEntry(name: String(f[0]), gid: gid, members: f[3].split(separator: ",").map(String.init))
        }
    }

    /// Resolves `spec` ("", "name", "1000", "name:group", "1000:1000") given the text of
    /// /etc/passwd and /etc/group (nil when the file does not exist).
    public static func resolve(_ spec: String, passwd: String?, group: String?, additionalGroups: [String] = []) throws -> ResolvedUser {
        let users = parsePasswd(passwd ?? "")
        let groups = parseGroup(group ?? "")
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : nil

        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var home = "/"
        var name: String?
        if userPart.isEmpty {
            if let root = users.first(where: { $0.uid == 0 }) { gid = root.gid; home = root.home; name = root.name }
            else { home = "/root" }
        } else if let number = UInt32(userPart) {
            uid = number
            if let entry = users.first(where: { $0.uid == number }) { gid = entry.gid; home = entry.home; name = entry.name }
        } else {
            guard let entry = users.first(where: { $0.name == userPart }) else {
                throw SwrunError(.notFound, "unable to find user \(userPart): no matching entries in passwd file")
            }
            uid = entry.uid; gid = entry.gid; home = entry.home; name = entry.name
        }

        if let groupPart, !groupPart.isEmpty {
            gid = try resolveGroup(groupPart, groups)
        }
        var extra: [UInt32] = []
        if let name, groupPart == nil || groupPart!.isEmpty {
            extra = groups.filter { $0.members.contains(name) }.map(\.gid)
        }
        for g in additionalGroups { extra.append(try resolveGroup(g, groups)) }
        var seen = Set<UInt32>()
        extra = ([gid] + extra).filter { seen.insert($0).inserted }
        return ResolvedUser(uid: uid, gid: gid, additionalGids: extra, home: home)
    }

    static func resolveGroup(_ spec: String, _ groups: [GroupEntry]) throws -> UInt32 {
        if let number = UInt32(spec) { return number }
        guard let entry = groups.first(where: { $0.name == spec }) else {
            throw SwrunError(.notFound, "unable to find group \(spec): no matching entries in group file")
        }
        return entry.gid
    }
}
