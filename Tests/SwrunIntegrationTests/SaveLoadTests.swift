import Foundation
import Testing

/// `swrun save` / `swrun load`: round trips through every format, the peers (skopeo,
/// umoci, podman) reading what swrun writes and swrun reading what podman writes, and
/// tampered archives refused without touching the store.
@Suite("save and load: image archives", .serialized)
struct SaveLoadTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// The store's content-addressed parts and its index.
    static func storeSnapshot(_ root: String) -> [String] {
        Host.snapshot(root + "/blobs") + Host.snapshot(root + "/layers")
            + ["index.json: " + (Host.read(root + "/index.json") ?? "absent")]
    }

    static func which(_ tool: String) -> String? {
        for directory in ["/usr/bin", "/usr/sbin", "/usr/local/bin"] where Host.exists(directory + "/" + tool) {
            return directory + "/" + tool
        }
        return nil
    }

    /// The image ID of busybox in `swrun`'s store, after a run seeded it.
    func busyboxID(_ store: Swrun) -> String {
        store.run(["images", "-q", "--no-trunc", "busybox"]).out
    }

    /// Rewrites `archive` into `output` with one byte flipped in the middle of `member`.
    func tamper(_ archive: String, member: (String) -> Bool, output: String) throws -> String {
        let directory = swrun.scratch + "/tamper-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(Host.run("/bin/tar", ["-xf", archive, "-C", directory]).status == 0)
        let names = Host.run("/bin/tar", ["-tf", archive]).stdout.split(separator: "\n").map(String.init)
        guard let name = names.first(where: member) else {
            Issue.record("no member to tamper with in \(names)")
            return ""
        }
        let handle = try #require(FileHandle(forUpdatingAtPath: directory + "/" + name))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: size / 2)
        handle.write(Data([byte ^ 0xff]))
        try handle.close()
        #expect(Host.run("/bin/tar", ["-cf", output, "-C", directory, "."]).status == 0)
        return name
    }

    @Test("save → load into a fresh store keeps the image ID and the tag, and runs", arguments: ["docker-archive", "oci-archive"])
    func roundTrip(format: String) throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = busyboxID(swrun)
        let archive = swrun.scratch + "/bb.tar"
        let saved = swrun.run(["save", "--format", format, "-o", archive, "busybox"])
        #expect(saved.status == 0, "\(saved)")
        let fresh = try Swrun()
        let loaded = fresh.run(["load", "-i", archive])
        #expect(loaded.status == 0, "\(loaded)")
        #expect(loaded.out == "Loaded image: busybox:latest")
        #expect(busyboxID(fresh) == id)
        let ran = fresh.runRm(["busybox", "cat", "/etc/passwd"])
        #expect(ran.status == 0 && ran.out.hasPrefix("root:"), "\(ran)")
    }

    @Test("save to stdout and load from stdin; saving by ID loads untagged")
    func streams() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = busyboxID(swrun)
        let archive = swrun.scratch + "/byid.tar"
        let saved = swrun.run(["save", "-o", archive, id])
        #expect(saved.status == 0, "\(saved)")
        let fresh = try Swrun()
        let data = try Data(contentsOf: URL(fileURLWithPath: archive))
        let loaded = fresh.run(["load"], stdin: data)
        #expect(loaded.out == "Loaded image ID: \(id)", "\(loaded)")
        #expect(fresh.run(["images", "-q", "--no-trunc"]).lines == [id])
    }

    @Test("skopeo reads oci-archive and docker-archive; umoci unpacks oci-dir")
    func peersReadSwrunArchives() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = busyboxID(swrun)
        let ociArchive = swrun.scratch + "/oci.tar"
        let dockerArchive = swrun.scratch + "/docker.tar"
        let ociDirectory = swrun.scratch + "/oci-dir"
        #expect(swrun.run(["save", "--format", "oci-archive", "-o", ociArchive, "busybox"]).status == 0)
        #expect(swrun.run(["save", "-o", dockerArchive, "busybox"]).status == 0)
        #expect(swrun.run(["save", "--format", "oci-dir", "-o", ociDirectory, "busybox"]).status == 0)
        let skopeo = try #require(Self.which("skopeo"), "skopeo is a test dependency (scripts/test installs it)")
        do {
            for source in ["oci-archive:" + ociArchive, "docker-archive:" + dockerArchive, "oci:" + ociDirectory + ":latest"] {
                let inspected = Host.run(skopeo, ["inspect", "--raw", "--config", source])
                #expect(inspected.status == 0, "skopeo inspect \(source)")
                #expect(inspected.stdout.contains("\"diff_ids\""))
            }
            let config = Host.run("/bin/sh", ["-c", "\(skopeo) inspect --config --raw oci-archive:\(ociArchive) | sha256sum"])
            #expect(id.hasSuffix(String(config.stdout.prefix(64))))
        }
        let umoci = try #require(Self.which("umoci"), "umoci is a test dependency (scripts/test installs it)")
        do {
            let bundle = swrun.scratch + "/bundle"
            let unpacked = Host.run(umoci, ["unpack", "--image", ociDirectory + ":latest", bundle])
            #expect(unpacked.status == 0)
            #expect(Host.read(bundle + "/rootfs/etc/passwd")?.hasPrefix("root:") == true)
        }
    }

    /// podman with its own store and config, as PEERS.md says.
    struct Podman {
        let directory: String
        let binary: String

        init?(scratch: String) throws {
            guard let binary = SaveLoadTests.which("podman") else { return nil }
            self.binary = binary
            directory = scratch + "/podman"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try """
            [containers]
            default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
            # These tests are about images: no netavark (which needs iptables) in their way.
            netns = "none"
            [engine]
            runtime = "runc"
            """.write(toFile: directory + "/containers.conf", atomically: true, encoding: .utf8)
            try "unqualified-search-registries = [\"localhost\"]\n"
                .write(toFile: directory + "/registries.conf", atomically: true, encoding: .utf8)
        }

        @discardableResult
        func run(_ arguments: [String]) -> (status: Int32, stdout: String) {
            Host.run("/usr/bin/env", [
                "CONTAINERS_CONF=" + directory + "/containers.conf",
                "CONTAINERS_REGISTRIES_CONF=" + directory + "/registries.conf",
                binary, "--root", directory + "/root", "--runroot", directory + "/run", "--storage-driver", "overlay",
                "--cgroup-manager", "cgroupfs", "--events-backend", "file",
            ] + arguments)
        }

        func cleanUp() {
            run(["rm", "-a", "-f"])
            run(["rmi", "-a", "-f"])
            Host.run("/bin/umount", ["-R", directory + "/root/overlay"])
        }
    }

    @Test("podman loads and runs swrun's docker-archive")
    func podmanLoadsSwrunArchive() throws {
        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        defer { podman.cleanUp() }
        let expected = swrun.runRm(["busybox", "cat", "/etc/passwd"])
        #expect(expected.status == 0)
        let archive = swrun.scratch + "/bb.tar"
        #expect(swrun.run(["save", "-o", archive, "busybox"]).status == 0)
        #expect(podman.run(["load", "-i", archive]).status == 0)
        let ran = podman.run(["run", "--rm", "docker.io/library/busybox:latest", "cat", "/etc/passwd"])
        #expect(ran.status == 0)
        #expect(ran.stdout.trimmingCharacters(in: .newlines) == expected.out)
    }

    @Test("swrun loads and runs podman's archives", arguments: ["docker-archive", "oci-archive"])
    func swrunLoadsPodmanArchive(format: String) throws {
        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        defer { podman.cleanUp() }
        #expect(podman.run(["import", Swrun.fixtures + "/busybox.tar", "localhost/bb:1"]).status == 0)
        let archive = swrun.scratch + "/podman-\(format).tar"
        #expect(podman.run(["save", "--format", format, "-o", archive, "localhost/bb:1"]).status == 0)
        let loaded = swrun.run(["load", "-i", archive])
        #expect(loaded.status == 0, "\(loaded)")
        #expect(loaded.out == "Loaded image: localhost/bb:1")
        let ran = swrun.runRm(["localhost/bb:1", "echo", "from-podman"])
        #expect(ran.out == "from-podman", "\(ran)")
    }

    @Test("a tampered blob (layer, config or manifest) is refused with one line and the store is unchanged",
          arguments: ["layer", "config", "manifest"])
    func tamperedBlob(kind: String) throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = String(busyboxID(swrun).dropFirst(7))
        let archive = swrun.scratch + "/bb.tar"
        #expect(swrun.run(["save", "-o", archive, "busybox"]).status == 0)
        let index = Host.run("/bin/tar", ["-xOf", archive, "index.json"]).stdout
        let manifestRange = try #require(index.range(of: #"sha256:[0-9a-f]{64}"#, options: .regularExpression))
        let manifestHex = String(index[manifestRange].dropFirst(7))
        let target: (String) -> Bool
        switch kind {
        case "config": target = { $0.hasSuffix("blobs/sha256/" + id) }
        case "manifest": target = { $0.hasSuffix("blobs/sha256/" + manifestHex) }
        default: target = { $0.contains("blobs/sha256/") && !$0.hasSuffix(id) && !$0.hasSuffix(manifestHex) && !$0.hasSuffix("/") }
        }
        let bad = swrun.scratch + "/bad.tar"
        let member = try tamper(archive, member: target, output: bad)
        #expect(!member.isEmpty)
        let fresh = try Swrun()
        #expect(fresh.run(["images"]).status == 0)
        let before = Self.storeSnapshot(fresh.root)
        let loaded = fresh.run(["load", "-i", bad])
        #expect(loaded.status != 0)
        #expect(loaded.err.split(separator: "\n").count == 1, "\(loaded)")
        #expect(Self.storeSnapshot(fresh.root) == before)
    }

    @Test("a layer whose DiffID does not match the config is refused (no digest in its name)")
    func tamperedLegacyLayer() throws {
        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        defer { podman.cleanUp() }
        #expect(podman.run(["import", Swrun.fixtures + "/busybox.tar", "localhost/bb:1"]).status == 0)
        let archive = swrun.scratch + "/podman.tar"
        #expect(podman.run(["save", "--format", "docker-archive", "-o", archive, "localhost/bb:1"]).status == 0)
        let bad = swrun.scratch + "/bad.tar"
        _ = try tamper(archive, member: { $0.hasSuffix(".tar") }, output: bad)
        #expect(swrun.run(["images"]).status == 0)
        let before = Self.storeSnapshot(swrun.root)
        let loaded = swrun.run(["load", "-i", bad])
        #expect(loaded.status != 0)
        #expect(loaded.err.split(separator: "\n").count == 1, "\(loaded)")
        #expect(Self.storeSnapshot(swrun.root) == before)
    }

    @Test("loading over an existing tag moves it; the old image stays, untagged")
    func loadMovesTag() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = busyboxID(swrun)
        let archive = swrun.scratch + "/bb.tar"
        #expect(swrun.run(["save", "-o", archive, "busybox"]).status == 0)
        let other = try Swrun()
        let imported = other.run(["import", Swrun.fixtures + "/busybox.tar", "busybox:latest"])
        #expect(imported.status == 0)
        let oldID = imported.out
        #expect(oldID != id)
        #expect(other.run(["load", "-i", archive]).status == 0)
        #expect(busyboxID(other) == id)
        let all = other.run(["images", "-q", "--no-trunc"]).lines
        #expect(Set(all) == Set([id, oldID]))
    }

    @Test("load reads OCI layout directories (swrun's oci-dir, skopeo's oci:) without touching them")
    func loadsDirectories() throws {
        #expect(swrun.runRm(["busybox", "true"]).status == 0)
        let id = busyboxID(swrun)
        let ownDirectory = swrun.scratch + "/own-oci"
        #expect(swrun.run(["save", "--format", "oci-dir", "-o", ownDirectory, "busybox"]).status == 0)
        let skopeo = try #require(Self.which("skopeo"), "skopeo is a test dependency (scripts/test installs it)")
        let archive = swrun.scratch + "/for-skopeo.tar"
        #expect(swrun.run(["save", "--format", "oci-archive", "-o", archive, "busybox"]).status == 0)
        let skopeoDirectory = swrun.scratch + "/skopeo-oci"
        let copied = Host.run(skopeo, ["copy", "oci-archive:" + archive, "oci:" + skopeoDirectory + ":test/fromdir:2"])
        #expect(copied.status == 0, "\(copied)")

        for (directory, tag) in [(ownDirectory, "busybox:latest"), (skopeoDirectory, "test/fromdir:2")] {
            let before = Host.snapshot(directory)
            let fresh = try Swrun()
            let loaded = fresh.run(["load", "-i", directory])
            #expect(loaded.status == 0, "\(loaded)")
            #expect(loaded.out == "Loaded image: \(tag)")
            #expect(fresh.run(["images", "-q", "--no-trunc", tag]).out == id)
            let ran = fresh.runRm([tag, "cat", "/etc/passwd"])
            #expect(ran.status == 0 && ran.out.hasPrefix("root:"), "\(ran)")
            #expect(Host.snapshot(directory) == before)
            // Stored blobs are copies: none shares an inode with the user's files.
            let links = Host.run("/usr/bin/find", [fresh.root + "/blobs", "-type", "f", "-links", "+1"])
            #expect(links.stdout.isEmpty, "\(links)")
        }
    }

    @Test("load refuses a missing file and a file that is not an archive, in one line")
    func refusals() throws {
        let missing = swrun.run(["load", "-i", swrun.scratch + "/absent.tar"])
        #expect(missing.status != 0)
        let garbage = swrun.scratch + "/garbage.tar"
        try "not a tar".write(toFile: garbage, atomically: true, encoding: .utf8)
        let bad = swrun.run(["load", "-i", garbage])
        #expect(bad.status != 0)
        #expect(bad.err.split(separator: "\n").count == 1)
    }
}
