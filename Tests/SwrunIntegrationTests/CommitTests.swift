import Foundation
import Testing

/// `swrun commit`, `diff` and `export`: a container's changes as a new image layer,
/// as docker's change list and as a flat tar.
@Suite("commit, diff, export: container changes", .serialized)
struct CommitTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// The layer DiffIDs of an image, via inspect.
    func layers(_ image: String) -> [String] {
        let result = swrun.run(["image", "inspect", "--format", "{{range .RootFS.Layers}}{{.}} {{end}}", image])
        return result.out.split(separator: " ").map(String.init)
    }

    func inspect(_ image: String, _ format: String) -> String {
        swrun.run(["image", "inspect", "--format", format, image]).out
    }

    /// The store's content-addressed parts and index; equal snapshots mean the store was not written.
    func storeSnapshot() -> [String] {
        Host.snapshot(swrun.root + "/blobs") + Host.snapshot(swrun.root + "/layers")
            + ["index.json: " + (Host.read(swrun.root + "/index.json") ?? "absent")]
    }

    func containerID(_ name: String) -> String {
        swrun.run(["inspect", "--format", "{{.Id}}", name]).out
    }

    @Test func commitAddsOneLayerWithTheChanges() throws {
        // Generation 1: a base with /etc/x holding a file, so replacing it makes an opaque dir.
        #expect(swrun.run(["run", "--name", "g1", "busybox", "sh", "-c", "mkdir /etc/x && echo old > /etc/x/old"]).status == 0)
        let baseLayers = layers("busybox")
        let baseBlobPath = swrun.root + "/blobs/sha256/" + (try #require(baseLayers.first)).dropFirst(7)
        let baseBlob = try Data(contentsOf: URL(fileURLWithPath: baseBlobPath))
        #expect(swrun.run(["commit", "g1", "gen1"]).status == 0)

        let script = "echo added > /added && echo more >> /etc/passwd && rm /etc/group && rm -rf /etc/x && mkdir /etc/x && echo new > /etc/x/new"
        #expect(swrun.run(["run", "--name", "g2", "gen1", "sh", "-c", script]).status == 0)
        let committed = swrun.run(["commit", "-a", "Ann Author", "-m", "gen two", "-c", "ENV A=1", "g2", "gen2:v1"])
        #expect(committed.status == 0, "\(committed)")
        #expect(committed.out.hasPrefix("sha256:") && committed.out.count == 71, "\(committed)")
        #expect(inspect("gen2:v1", "{{.Id}}") == committed.out)

        let view = swrun.runRm(["gen2:v1", "sh", "-c", "cat /added; tail -n 1 /etc/passwd; test -e /etc/group || echo nogroup; ls /etc/x; echo A=$A"])
        #expect(view.status == 0, "\(view)")
        #expect(view.lines == ["added", "more", "nogroup", "new", "A=1"])
        #expect(layers("gen2:v1").count == baseLayers.count + 2)
        #expect(Array(layers("gen2:v1").prefix(baseLayers.count)) == baseLayers)
        #expect(try Data(contentsOf: URL(fileURLWithPath: baseBlobPath)) == baseBlob)
        #expect(inspect("gen2:v1", "{{.Author}}|{{.Comment}}") == "Ann Author|gen two")
        // The new layer holds the changes and none of the runtime's placeholders.
        let newLayer = try #require(layers("gen2:v1").last)
        let entries = Host.run("/bin/tar", ["-tf", swrun.root + "/blobs/sha256/" + newLayer.dropFirst(7)]).stdout
            .split(separator: "\n").map(String.init)
        #expect(entries.contains("added") && entries.contains("etc/.wh.group") && entries.contains("etc/x/.wh..wh..opq"), "\(entries)")
        #expect(!entries.contains { ["etc/hostname", "etc/hosts", "etc/resolv.conf"].contains($0) }, "\(entries)")

        // Generation 3 deletes a file generation 2 added.
        #expect(swrun.run(["run", "--name", "g3", "gen2:v1", "rm", "/added"]).status == 0)
        #expect(swrun.run(["commit", "g3", "gen3"]).status == 0)
        let gone = swrun.runRm(["gen3", "sh", "-c", "test -e /added && echo present || echo absent; ls /etc/x"])
        #expect(gone.lines == ["absent", "new"])
        #expect(layers("gen3").count == baseLayers.count + 3)
    }

    @Test func squashMakesOneLayerOfEverything() {
        #expect(swrun.run(["run", "--name", "s1", "busybox", "sh", "-c", "echo one > /one && echo gone > /gone"]).status == 0)
        #expect(swrun.run(["commit", "s1", "squash-base"]).status == 0)
        #expect(swrun.run(["run", "--name", "s2", "squash-base", "sh", "-c", "rm /gone && rm -rf /var && mkdir /var && echo two > /var/two"]).status == 0)
        let squashed = swrun.run(["commit", "--squash", "s2", "squashed"])
        #expect(squashed.status == 0, "\(squashed)")
        #expect(layers("squashed").count == 1)
        let view = swrun.runRm(["squashed", "sh", "-c", "cat /one; test -e /gone || echo nogone; ls /var"])
        #expect(view.lines == ["one", "nogone", "two"], "\(view)")
    }

    @Test func commitWithoutChangesStillAddsALayer() {
        #expect(swrun.run(["run", "--name", "same", "busybox", "true"]).status == 0)
        #expect(swrun.run(["commit", "same", "same:v1"]).status == 0)
        #expect(layers("same:v1").count == layers("busybox").count + 1)
    }

    @Test func commitOfRunningContainerKeepsItRunning() throws {
        let started = swrun.run(["run", "-d", "--name", "live", "busybox", "sh", "-c", "echo live > /live; echo ready; sleep 300"])
        #expect(started.status == 0, "\(started)")
        defer { swrun.run(["rm", "-f", "live"]) }
        for _ in 0..<100 where !swrun.run(["logs", "live"]).out.contains("ready") { usleep(50_000) }
        let committed = swrun.run(["commit", "live", "live:v1"])
        #expect(committed.status == 0, "\(committed)")
        #expect(swrun.runRm(["live:v1", "cat", "/live"]).out == "live")
        #expect(swrun.run(["inspect", "--format", "{{.State.Status}}", "live"]).out == "running")
        #expect(swrun.run(["commit", "--pause=false", "live", "live:v2"]).status == 0)
        #expect(swrun.run(["inspect", "--format", "{{.State.Status}}", "live"]).out == "running")
        // docker's bare bool flag: `--pause` alone means true.
        let bare = swrun.run(["commit", "--pause", "-m", "bare", "live", "live:v3"])
        #expect(bare.status == 0, "\(bare)")
        #expect(swrun.run(["inspect", "--format", "{{.Comment}}", "live:v3"]).out == "bare")
        #expect(swrun.run(["inspect", "--format", "{{.State.Status}}", "live"]).out == "running")
    }

    @Test func diffListsChanges() {
        let script = "echo added > /added && echo more >> /etc/passwd && rm /etc/group && mkdir /newdir && touch /newdir/f"
        #expect(swrun.run(["run", "--name", "d", "busybox", "sh", "-c", script]).status == 0)
        let diff = swrun.run(["diff", "d"])
        #expect(diff.status == 0, "\(diff)")
        #expect(diff.lines == ["A /added", "C /etc", "D /etc/group", "C /etc/passwd", "A /newdir", "A /newdir/f"])
    }

    @Test func exportHasTheMergedFilesystem() throws {
        #expect(swrun.run(["run", "--name", "e", "busybox", "sh", "-c", "echo added > /added && rm /etc/group"]).status == 0)
        let tar = swrun.scratch + "/e.tar"
        let exported = swrun.run(["export", "-o", tar, "e"])
        #expect(exported.status == 0, "\(exported)")
        let listing = Host.run("/bin/tar", ["-tf", tar]).stdout.split(separator: "\n").map(String.init)
        #expect(listing.contains("added"))
        #expect(listing.contains("bin/sh"))
        #expect(listing.contains("etc/passwd"))
        #expect(!listing.contains("etc/group"))
        #expect(!listing.contains { $0.contains(".wh.") })
        #expect(Host.run("/bin/tar", ["-xOf", tar, "added"]).stdout == "added\n")
    }

    @Test func fileNamedLikeAWhiteoutIsRefused() throws {
        #expect(swrun.run(["run", "--name", "evil", "busybox", "true"]).status == 0)
        let upper = swrun.root + "/containers/" + containerID("evil") + "/upper"
        try FileManager.default.createDirectory(atPath: upper + "/etc", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: upper + "/etc/.wh.evil"))
        let before = storeSnapshot()
        let committed = swrun.run(["commit", "evil", "evil:v1"])
        #expect(committed.status != 0)
        #expect(committed.err.contains(".wh.evil") && !committed.err.contains("\n"), "\(committed)")
        #expect(storeSnapshot() == before)
    }
}
