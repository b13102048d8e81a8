import Testing
@testable import SwrunBuild
import SwrunOS

@Suite("Context: --chown owners")
struct ContextOwnerTests {
    func makeFixture() throws -> ContextFixture {
        let fixture = try ContextFixture()
        try fixture.file(fixture.lower, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:App:/home/app:/bin/sh\n")
        try fixture.file(fixture.lower, "etc/group", "root:x:0:\nstaff:x:50:app\napp:x:1001:\n")
        return fixture
    }

    @Test("numbers as they are; a user alone sets the group as BuildKit does")
    func numbers() throws {
        #expect(try LayerCopy.owner("1000", in: nil) == (1000, 1000))
        #expect(try LayerCopy.owner("1000:50", in: nil) == (1000, 50))
        #expect(try LayerCopy.owner("root", in: nil) == (0, 0))
        #expect(try LayerCopy.owner(":7", in: nil) == (0, 7))
    }

    @Test("names come from the image's /etc/passwd and /etc/group")
    func names() throws {
        let fixture = try makeFixture()
        let image = try fixture.image()
        #expect(try LayerCopy.owner("app", in: image) == (1000, 1001))
        #expect(try LayerCopy.owner("app:staff", in: image) == (1000, 50))
        #expect(try LayerCopy.owner("2000:staff", in: image) == (2000, 50))
    }

    @Test("unknown names fail")
    func unknownNames() throws {
        let fixture = try makeFixture()
        let image = try fixture.image()
        let user = try #require(throws: SwrunError.self) { try LayerCopy.owner("nobody2", in: image) }
        #expect(user.message == "unable to find user nobody2: no matching entries in passwd file")
        let group = try #require(throws: SwrunError.self) { try LayerCopy.owner("app:wheel2", in: image) }
        #expect(group.message == "unable to find group wheel2: no matching entries in group file")
        #expect(throws: SwrunError.self) { try LayerCopy.owner("app", in: nil) }
    }
}
