import Foundation
import SwrunOS
import Testing
@testable import SwrunRuntime

@Suite struct VolumeParseTests {
    @Test func volumeFlagForms() throws {
        #expect(try MountRequest.parseVolumeFlag("/host:/ctr") == nil)
        #expect(try MountRequest.parseVolumeFlag("/data") == MountRequest(source: .volume(nil), destination: "/data"))
        let named = try #require(try MountRequest.parseVolumeFlag("db:/var/lib/db:ro,nocopy"))
        #expect(named.source == .volume("db"))
        #expect(named.destination == "/var/lib/db")
        #expect(named.readOnly && named.noCopy)
        #expect(named.mode == "ro,nocopy")
    }

    @Test(arguments: [
        ("/data:rw", "invalid volume specification: '/data:rw'"),
        ("db:", "invalid volume specification: 'db:'"),
        ("db:data", "mount path must be absolute"),
        ("a@b:/data", "includes invalid characters for a local volume name"),
        ("db:/data:rshared", "invalid mode: rshared"),
        ("db:/data:ro,rw", "invalid mode: ro,rw"),
        ("a:b:c:d", "invalid volume specification"),
    ])
    func volumeFlagErrors(text: String, message: String) {
        let error = #expect(throws: SwrunError.self) { _ = try MountRequest.parseVolumeFlag(text) }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func mountFlag() throws {
        let volume = try MountRequest.parseMountFlag("src=vv,dst=/d,readonly,volume-label=a=b,volume-opt=type=tmpfs,volume-opt=device=tmpfs")
        #expect(volume.source == .volume("vv"))
        #expect(volume.readOnly)
        #expect(volume.labels == ["a": "b"])
        #expect(volume.driverOptions == ["type": "tmpfs", "device": "tmpfs"])
        let tmpfs = try MountRequest.parseMountFlag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1777")
        #expect(tmpfs.source == .tmpfs(size: 1 << 20, mode: 0o1777))
        let bind = try MountRequest.parseMountFlag("type=bind,source=/tmp,destination=/x,bind-propagation=rslave,ro=false")
        #expect(bind.source == .bind("/tmp") && bind.propagation == "rslave" && !bind.readOnly)
        let anonymous = try MountRequest.parseMountFlag("\"type=volume\",\"target=/a,b\"")
        #expect(anonymous.source == .volume(nil) && anonymous.destination == "/a,b")
    }

    @Test func names() throws {
        try VolumeStore.validateName("ab")
        try VolumeStore.validateName("my_vol.1-x")
        #expect(throws: SwrunError.self) { try VolumeStore.validateName("a") }
        #expect(throws: SwrunError.self) { try VolumeStore.validateName("-ab") }
        #expect(throws: SwrunError.self) { try VolumeStore.validateName("../x") }
        #expect(VolumeStore.randomName().count == 64)
    }

    @Test func driverOptions() throws {
        try VolumeDriverOptions.validate(["type": "none", "o": "bind", "device": "/x"], name: "v")
        #expect(throws: SwrunError.self) { try VolumeDriverOptions.validate(["colour": "red"], name: "v") }
        #expect(throws: SwrunError.self) { try VolumeDriverOptions.validate(["type": "tmpfs"], name: "v") }
        #expect(throws: SwrunError.self) { try VolumeDriverOptions.validate(["device": "/x"], name: "v") }
    }
}

@Suite struct VolumeStoreTests {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.path + "/volume-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/containers", withIntermediateDirectories: true)
    }

    @Test func createListRemove() throws {
        let store = VolumeStore(root: root)
        let (made, created) = try store.create(Volume(name: "data", labels: ["k": "v"]))
        #expect(created && made.name == "data")
        #expect(FileManager.default.fileExists(atPath: store.dataPath(of: "data")))
        let (again, createdAgain) = try store.create(Volume(name: "data"))
        #expect(!createdAgain && again.labels == ["k": "v"])
        #expect(try store.list().map(\.name) == ["data"])
        try store.remove("data")
        #expect(try store.list().isEmpty)
        let missing = #expect(throws: SwrunError.self) { try store.load("data") }
        #expect(missing?.message == "get data: no such volume")
        try? FileManager.default.removeItem(atPath: root)
    }

    @Test func inUseAndOrphans() throws {
        let store = VolumeStore(root: root)
        try store.create(Volume(name: "used"))
        try store.create(Volume(name: "loose", labels: [Volume.anonymousLabel: ""], removeWith: String(repeating: "b", count: 64)))
        let id = String(repeating: "a", count: 64)
        let container = root + "/containers/" + id
        try FileManager.default.createDirectory(atPath: container, withIntermediateDirectories: true)
        try ContainerMounts.write([MountPoint(type: "volume", name: "used", source: store.dataPath(of: "used"), destination: "/d")],
                                  containerDirectory: container)
        let inUse = #expect(throws: SwrunError.self) { try store.remove("used") }
        #expect(inUse?.message == "remove used: volume is in use - [\(id)]")
        #expect(try store.usedVolumeNames() == ["used"])
        store.sweepOrphans()
        #expect(try store.list().map(\.name) == ["used"])
        let pruned = try store.prune(all: true) { _ in true }
        #expect(pruned.removed.isEmpty)
        try? FileManager.default.removeItem(atPath: root)
    }
}
