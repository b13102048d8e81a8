import Testing
@testable import SwrunOS

@Suite struct UserDatabaseTests {
    let passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        alice:x:1000:1000:Alice:/home/alice:/bin/bash
        nobody:x:65534:65534:nobody:/nonexistent:/bin/false
        broken line
        """
    let group = """
        root:x:0:
        wheel:x:10:alice,bob
        audio:x:29:alice
        alice:x:1000:
        nogroup:x:65534:
        """

    @Test func emptyMeansRoot() throws {
        let user = try UserDatabase.resolve("", passwd: passwd, group: group)
        #expect(user == ResolvedUser(uid: 0, gid: 0, additionalGids: [0], home: "/root"))
    }

    @Test func nameGivesPrimaryGroupHomeAndSupplementaryGroups() throws {
        let user = try UserDatabase.resolve("alice", passwd: passwd, group: group)
        #expect(user == ResolvedUser(uid: 1000, gid: 1000, additionalGids: [1000, 10, 29], home: "/home/alice"))
    }

    @Test func explicitGroupReplacesSupplementaryGroups() throws {
        let user = try UserDatabase.resolve("alice:audio", passwd: passwd, group: group)
        #expect(user == ResolvedUser(uid: 1000, gid: 29, additionalGids: [29], home: "/home/alice"))
    }

    @Test(arguments: [("1000", UInt32(1000), UInt32(1000), "/home/alice"), ("4242", 4242, 0, "/"), ("4242:77", 4242, 77, "/"),
                      ("nobody", 65534, 65534, "/nonexistent")])
    func numericAndNamedUsers(spec: String, uid: UInt32, gid: UInt32, home: String) throws {
        let user = try UserDatabase.resolve(spec, passwd: passwd, group: group)
        #expect(user.uid == uid)
        #expect(user.gid == gid)
        #expect(user.home == home)
    }

    @Test func missingPasswdFileStillTakesNumbers() throws {
        let user = try UserDatabase.resolve("12:34", passwd: nil, group: nil)
        #expect(user == ResolvedUser(uid: 12, gid: 34, additionalGids: [34], home: "/"))
    }

    @Test func unknownNamesAreErrors() {
        #expect(throws: SwrunError.self) { try UserDatabase.resolve("mallory", passwd: passwd, group: group) }
        #expect(throws: SwrunError.self) { try UserDatabase.resolve("alice:nogroupnamed", passwd: passwd, group: group) }
    }

    @Test func groupAddAppends() throws {
        let user = try UserDatabase.resolve("nobody", passwd: passwd, group: group, additionalGroups: ["wheel", "5"])
        #expect(user.additionalGids == [65534, 10, 5])
    }
}
