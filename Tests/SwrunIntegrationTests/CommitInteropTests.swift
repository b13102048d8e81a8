import Foundation
import Glibc
import Testing

/// Committed images crossing over to the peers and back: swrun's commit layers (added,
/// modified, deleted files and opaque directories) read the same in podman, skopeo and
/// umoci; podman's committed whiteouts honoured by swrun; and a commit killed halfway
/// leaves a store that still works and lets the commit be retried.
@Suite("commit interop: committed layers and the peers", .serialized)
struct CommitInteropTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    typealias Podman = SaveLoadTests.Podman

    /// What a container sees of the committed changes (stderr folded in so a missing
    /// file shows up in the comparison).
    static let viewScript = "ls -la /added /etc/group /home 2>&1; cat /etc/passwd | tail -1; ls /home"
    /// The same view without the entries whose metadata belongs to the runtime (`..`
    /// of /home is the container's root directory, whose link count and mtime differ).
    static func comparable(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { !$0.hasSuffix(" ..") }
    }

    /// Two generations: the first gives /home content, the second makes every kind of change.
    func commitTwoGenerations() -> Int {
        let first = swrun.run(["run", "--name", "ci1", "busybox", "sh", "-c",
                               "mkdir /home/old && echo old > /home/old/f && echo top > /home/top"])
        #expect(first.status == 0, "\(first)")
        let baseLayers = layers("busybox").count
        #expect(baseLayers >= 1)
        let committed1 = swrun.run(["commit", "ci1", "test/base:1"])
        #expect(committed1.status == 0, "\(committed1)")
        let script = "echo added > /added && echo more >> /etc/passwd && rm /etc/group && rm -rf /home && mkdir /home && echo new > /home/only"
        let second = swrun.run(["run", "--name", "ci2", "test/base:1", "sh", "-c", script])
        #expect(second.status == 0, "\(second)")
        let committed2 = swrun.run(["commit", "-a", "Interop", "-m", "gen two", "ci2", "test/img:1"])
        #expect(committed2.status == 0, "\(committed2)")
        #expect(committed2.out.hasPrefix("sha256:") && committed2.out.count == 71, "\(committed2)")
        return baseLayers
    }

    func layers(_ image: String) -> [String] {
        swrun.run(["image", "inspect", "--format", "{{range .RootFS.Layers}}{{.}} {{end}}", image]).out
            .split(separator: " ").map(String.init)
    }

    @Test("swrun's committed generations read the same in podman, skopeo and umoci")
    func swrunCommitToPeers() throws {
        let baseLayers = commitTwoGenerations()
        #expect(layers("test/img:1").count == baseLayers + 2)

        let expected = swrun.runRm(["test/img:1", "sh", "-c", Self.viewScript])
        #expect(expected.status == 0, "\(expected)")
        let lines = expected.lines
        #expect(lines.contains { $0.hasSuffix("/added") && $0.hasPrefix("-") }, "\(expected)")
        #expect(lines.contains("ls: /etc/group: No such file or directory"), "\(expected)")
        #expect(lines.contains { $0.hasSuffix(" only") }, "\(expected)")
        #expect(!lines.contains { $0.hasSuffix(" old") || $0.hasSuffix(" top") }, "\(expected)")
        #expect(Array(lines.suffix(2)) == ["more", "only"], "\(expected)")

        // docker-archive → podman
        let dockerArchive = swrun.scratch + "/img-docker.tar"
        let savedDocker = swrun.run(["save", "--format", "docker-archive", "-o", dockerArchive, "test/img:1"])
        #expect(savedDocker.status == 0, "\(savedDocker)")
        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        do {
            defer { podman.cleanUp() }
            let loaded = podman.run(["load", "-i", dockerArchive])
            #expect(loaded.status == 0, "podman load: \(loaded.stdout)")
            let ran = podman.run(["run", "--rm", "docker.io/test/img:1", "sh", "-c", Self.viewScript])
            #expect(ran.status == 0, "podman run: \(ran.stdout)")
            #expect(Self.comparable(ran.stdout) == Self.comparable(expected.stdout),
                    "podman:\n\(ran.stdout)\nswrun:\n\(expected.stdout)")
        }

        // oci-archive → skopeo: one layer per generation on top of the base
        let ociArchive = swrun.scratch + "/img-oci.tar"
        let savedOCI = swrun.run(["save", "--format", "oci-archive", "-o", ociArchive, "test/img:1"])
        #expect(savedOCI.status == 0, "\(savedOCI)")
        let skopeo = try #require(SaveLoadTests.which("skopeo"), "skopeo is a test dependency (scripts/test installs it)")
        do {
            let inspected = Host.run(skopeo, ["inspect", "oci-archive:" + ociArchive])
            #expect(inspected.status == 0, "skopeo inspect: \(inspected.stdout)")
            let object = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any]
            let skopeoLayers = object?["Layers"] as? [String] ?? []
            #expect(skopeoLayers.count == baseLayers + 2, "\(inspected.stdout)")
        }

        // oci-dir → umoci: the whiteouts applied to the unpacked rootfs
        let ociDirectory = swrun.scratch + "/img-oci-dir"
        let savedDir = swrun.run(["save", "--format", "oci-dir", "-o", ociDirectory, "test/img:1"])
        #expect(savedDir.status == 0, "\(savedDir)")
        let umoci = try #require(SaveLoadTests.which("umoci"), "umoci is a test dependency (scripts/test installs it)")
        do {
            let bundle = swrun.scratch + "/bundle"
            let unpacked = Host.run(umoci, ["unpack", "--image", ociDirectory + ":1", bundle])
            #expect(unpacked.status == 0, "umoci unpack: \(unpacked.stdout)")
            let rootfs = bundle + "/rootfs"
            #expect(Host.exists(rootfs + "/bin/sh"))
            #expect(!Host.exists(rootfs + "/etc/group"))
            #expect(Host.read(rootfs + "/added") == "added\n")
            #expect(Host.read(rootfs + "/etc/passwd")?.hasSuffix("more\n") == true)
            let home = (try? FileManager.default.contentsOfDirectory(atPath: rootfs + "/home")) ?? []
            #expect(home == ["only"], "\(home)")
            #expect(Host.read(rootfs + "/home/only") == "new\n")
        }
    }

    @Test("swrun loads podman's committed image and honours its whiteout", arguments: ["docker-archive", "oci-archive"])
    func podmanCommitToSwrun(format: String) throws {
        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        defer { podman.cleanUp() }
        let imported = podman.run(["import", Swrun.fixtures + "/busybox.tar", "localhost/bb:1"])
        #expect(imported.status == 0, "podman import: \(imported.stdout)")
        let ran = podman.run(["run", "--name", "pc", "localhost/bb:1", "sh", "-c", "rm /etc/group && echo added > /added"])
        #expect(ran.status == 0, "podman run: \(ran.stdout)")
        let committed = podman.run(["commit", "-f", "docker", "-m", "podman gen", "pc", "localhost/pc:1"])
        #expect(committed.status == 0, "podman commit: \(committed.stdout)")
        let archive = swrun.scratch + "/podman-commit-\(format).tar"
        let saved = podman.run(["save", "--format", format, "-o", archive, "localhost/pc:1"])
        #expect(saved.status == 0, "podman save: \(saved.stdout)")

        let fresh = try Swrun()
        let loaded = fresh.run(["load", "-i", archive])
        #expect(loaded.status == 0, "\(loaded)")
        #expect(loaded.out == "Loaded image: localhost/pc:1", "\(loaded)")
        let view = fresh.runRm(["localhost/pc:1", "sh", "-c", "ls /etc/group 2>&1; cat /added; cat /etc/passwd | head -1"])
        #expect(view.status == 0, "\(view)")
        #expect(view.lines.count == 3, "\(view)")
        #expect(view.lines.first == "ls: /etc/group: No such file or directory", "\(view)")
        #expect(view.lines.dropFirst().first == "added", "\(view)")
        #expect(view.lines.last?.hasPrefix("root:") == true, "\(view)")
    }

    // MARK: - SIGKILL during commit

    static func json(_ path: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    static func hex(_ digest: String) -> String {
        digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
    }

    /// Problems with the store: index.json unreadable, or a blob reachable from it missing.
    /// Returns the problems and the set of referenced blob hexes.
    static func storeProblems(_ root: String) -> (problems: [String], referenced: Set<String>, tags: [String]) {
        var problems: [String] = []
        var referenced = Set<String>()
        var tags: [String] = []
        guard let index = json(root + "/index.json") else { return (["index.json unreadable"], [], []) }
        let blobs = root + "/blobs/sha256/"
        for entry in index["manifests"] as? [[String: Any]] ?? [] {
            let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] ?? "?"
            tags.append(name)
            guard let digest = entry["digest"] as? String else { problems.append("\(name): no digest"); continue }
            let manifestHex = hex(digest)
            referenced.insert(manifestHex)
            guard let manifest = json(blobs + manifestHex) else {
                problems.append("\(name): manifest \(manifestHex) missing or unreadable")
                continue
            }
            var descriptors: [[String: Any]] = manifest["layers"] as? [[String: Any]] ?? []
            if let config = manifest["config"] as? [String: Any] { descriptors.append(config) } else {
                problems.append("\(name): manifest without config")
            }
            for descriptor in descriptors {
                guard let digest = descriptor["digest"] as? String else { problems.append("\(name): descriptor without digest"); continue }
                referenced.insert(hex(digest))
                var info = stat()
                if stat(blobs + hex(digest), &info) != 0 {
                    problems.append("\(name): blob \(digest) missing")
                } else if let size = descriptor["size"] as? Int, Int(info.st_size) != size {
                    problems.append("\(name): blob \(digest) is \(info.st_size) bytes, descriptor says \(size)")
                }
            }
        }
        return (problems, referenced, tags)
    }

    @Test("a commit killed with SIGKILL leaves a consistent store, and a retry succeeds")
    func sigkillDuringCommit() throws {
        let made = swrun.run(["run", "--name", "big", "busybox", "sh", "-c",
                              "dd if=/dev/urandom of=/big bs=1M count=200 2>/dev/null && echo done"], timeout: 120)
        #expect(made.status == 0 && made.out == "done", "\(made)")
        let imagesBefore = swrun.run(["images"]).status
        #expect(imagesBefore == 0)

        var killedMidway = 0
        for delay in [100, 150, 200, 300, 500, 800] {
            let commit = try swrun.start(["commit", "big", "test/kill:1"])
            usleep(useconds_t(delay * 1000))
            commit.signal(SIGKILL)
            let result = commit.wait(timeout: 120)
            if result.status != 0 { killedMidway += 1 }

            let (problems, _, tags) = Self.storeProblems(swrun.root)
            #expect(problems.isEmpty, "after SIGKILL at \(delay) ms: \(problems)")
            let images = swrun.run(["images"])
            #expect(images.status == 0, "images after SIGKILL at \(delay) ms: \(images)")
            if tags.contains("docker.io/test/kill:1") {
                // The commit finished before the kill: the image it tagged must be whole.
                let ran = swrun.runRm(["test/kill:1", "ls", "-la", "/big"], timeout: 120)
                #expect(ran.status == 0 && ran.out.contains("209715200"), "tagged after SIGKILL at \(delay) ms: \(ran)")
                _ = swrun.run(["rmi", "test/kill:1"])
            }
        }
        #expect(killedMidway > 0, "no commit was interrupted; the container's layer is too small to test the kill")

        let retried = swrun.run(["commit", "big", "test/kill:1"], timeout: 180)
        #expect(retried.status == 0, "\(retried)")
        #expect(retried.out.hasPrefix("sha256:"), "\(retried)")
        let ran = swrun.runRm(["test/kill:1", "ls", "-la", "/big"], timeout: 120)
        #expect(ran.status == 0 && ran.out.contains("209715200"), "\(ran)")
        let (problems, referenced, _) = Self.storeProblems(swrun.root)
        #expect(problems.isEmpty, "after the retry: \(problems)")
        #expect(swrun.run(["images"]).status == 0)

        // Leftovers are reported, not failed: the store may garbage-collect them lazily.
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: swrun.root + "/blobs/sha256")) ?? []
        let unreferenced = blobs.filter { !referenced.contains($0) }
        let tmp = (try? FileManager.default.contentsOfDirectory(atPath: swrun.root + "/tmp")) ?? []
        let tmpSize = Host.run("/usr/bin/du", ["-sb", swrun.root + "/tmp"]).stdout
        print("CommitInterop: \(killedMidway) commits interrupted; unreferenced blobs: \(unreferenced); tmp entries: \(tmp.sorted()); du: \(tmpSize)")
    }
}
