import FoundationEssentials
import Glibc
import Testing
import SwrunOS
@testable import SwrunRuntime

/// Container names are reserved through `.names/` links, without reading every state.
@Suite struct ContainerStoreNamesTests {
    let root: String
    let store: ContainerStore

    init() throws {
        var template = Array("/tmp/swrun-names-XXXXXX".utf8CString)
        root = String(cString: try #require(mkdtemp(&template)))
        store = try ContainerStore(root: root)
    }

    func state(_ name: String) -> ContainerState {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        return ContainerState(
            id: id, name: name, image: "busybox", imageID: "sha256:" + String(repeating: "0", count: 64), command: ["true"],
            created: Date(), status: .created, pid: 0, exitCode: 0, startedAt: nil, finishedAt: nil, oomKilled: false,
            autoRemove: false, hostname: "h", cgroupParent: "swrun", monitorPid: nil, tty: false, interactive: false,
            restartCount: 0, limits: nil)
    }

    @Test func aTakenNameIsRefusedAndFoundByItsLink() throws {
        defer { try? FileIO.removeTree(root) }
        let web = state("web")
        try store.create(web)
        #expect(throws: SwrunError.self) { try store.create(state("web")) }
        #expect(try store.lookup("web").id == web.id)
        #expect(try store.lookup("/web").id == web.id)
        try store.remove(web.id)
        #expect(!FileIO.exists(store.namesDirectory + "/web"))
        try store.create(state("web"))
    }

    @Test func aLinkWhoseContainerIsGoneHoldsNothing() throws {
        defer { try? FileIO.removeTree(root) }
        let gone = state("tmp")
        try store.create(gone)
        // As a --rm container's monitor leaves it: the directory gone, the link not.
        try FileIO.removeTree(store.path(of: gone.id))
        #expect(FileIO.exists(store.namesDirectory + "/tmp"))
        let again = state("tmp")
        try store.create(again)
        #expect(try store.lookup("tmp").id == again.id)
        store.sweepRemovals()
        #expect(FileIO.exists(store.namesDirectory + "/tmp"))
    }

    @Test func aStoreFromBeforeTheLinksIsIndexedOnce() throws {
        defer { try? FileIO.removeTree(root) }
        let old = state("old")
        try store.create(old)
        try FileIO.removeTree(store.namesDirectory)
        #expect(throws: SwrunError.self) { try store.create(state("old")) }
        #expect(try FileIO.readLink(store.namesDirectory + "/old") == old.id)
    }

    @Test func renameMovesTheLink() throws {
        defer { try? FileIO.removeTree(root) }
        let a = state("a")
        try store.create(a)
        try store.create(state("b"))
        #expect(throws: SwrunError.self) { try store.rename("a", to: "b") }
        try store.rename("a", to: "c")
        #expect(!FileIO.exists(store.namesDirectory + "/a"))
        #expect(try store.lookup("c").id == a.id)
        try store.create(state("a"))
    }
}
