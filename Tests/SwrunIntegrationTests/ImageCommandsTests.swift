import Foundation
import Testing

/// Image management as docker does it: images, tag, rmi, history, inspect, image
/// prune and system df, with their flags, output and exit codes.
@Suite("image commands: images, tag, rmi, history, inspect, prune, df", .serialized)
struct ImageCommandsTests {
    static let busyboxTar = Swrun.fixtures + "/busybox.tar"

    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// `swrun import` of the busybox fixture; returns the full image ID.
    @discardableResult
    func importBusybox(_ tag: String?, changes: [String] = []) throws -> String {
        let result = swrun.run(["import"] + changes.flatMap { ["-c", $0] } + [Self.busyboxTar] + (tag.map { [$0] } ?? []))
        try #require(result.status == 0, "\(result)")
        return result.out
    }

    func short(_ id: String) -> String { String(id.dropFirst("sha256:".count).prefix(12)) }

    func blobs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: swrun.root + "/blobs/sha256")) ?? []).sorted()
    }

    /// The whitespace-separated cells of a table line.
    func cells(_ line: String) -> [String] {
        line.components(separatedBy: "   ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    @Test func imagesListsTagsNewestFirstWithDockersColumns() throws {
        let old = try importBusybox("old:1")
        let new = try importBusybox("new:1", changes: ["LABEL tier=web"])
        let dangling = try importBusybox(nil)
        #expect(swrun.run(["tag", "old:1", "old:2"]).status == 0)

        let table = swrun.run(["images"])
        #expect(table.status == 0, "\(table)")
        #expect(cells(table.lines[0]) == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"])
        let rows = table.lines.dropFirst().map(cells)
        #expect(rows.map { $0[0] + ":" + $0[1] } == ["<none>:<none>", "new:1", "old:1", "old:2"], "\(table)")
        #expect(rows[0][2] == short(dangling) && rows[1][2] == short(new) && rows[2][2] == short(old))
        #expect(rows.allSatisfy { $0[4].hasSuffix("MB") && $0[3].hasSuffix("ago") }, "\(table)")

        #expect(swrun.run(["images", "-q"]).lines == [short(dangling), short(new), short(old), short(old)])
        #expect(swrun.run(["images", "-q", "--no-trunc", "-f", "dangling=true"]).lines == [dangling])
        #expect(swrun.run(["images", "-q", "-f", "dangling=false"]).lines == [short(new), short(old), short(old)])
        #expect(swrun.run(["images", "-q", "-f", "label=tier=web"]).lines == [short(new)])
        #expect(swrun.run(["images", "-q", "-f", "label=tier"]).lines == [short(new)])
        #expect(swrun.run(["images", "-q", "-f", "label=tier=db"]).lines.isEmpty)
        #expect(swrun.run(["images", "--format", "{{.Repository}}:{{.Tag}}", "-f", "reference=o*"]).lines == ["old:1", "old:2"])
        #expect(swrun.run(["images", "--format", "{{.Repository}}:{{.Tag}}", "old:2"]).lines == ["old:2"])
        #expect(swrun.run(["images", "--format", "{{.Tag}}", "old"]).lines == ["1", "2"])
        #expect(swrun.run(["images", "-q", "-f", "before=new:1"]).lines == [short(old), short(old)])
        #expect(swrun.run(["images", "-q", "-f", "since=new:1"]).lines == [short(dangling)])
        let badFilter = swrun.run(["images", "-f", "colour=red"])
        #expect(badFilter.status == 125 && badFilter.err.contains("invalid filter"), "\(badFilter)")

        let digests = swrun.run(["images", "--digests", "new"])
        #expect(cells(digests.lines[0]) == ["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"])
        #expect(cells(digests.lines[1])[2].hasPrefix("sha256:"), "\(digests)")

        let formatted = swrun.run(["images", "--format", "{{.ID}}|{{.Repository}}|{{.Tag}}|{{.Size}}|{{.CreatedAt}}|{{.CreatedSince}}", "new:1"])
        let fields = formatted.out.components(separatedBy: "|")
        #expect(fields.count == 6 && fields[0] == short(new) && fields[1] == "new" && fields[2] == "1", "\(formatted)")
        #expect(fields[3].hasSuffix("MB") && fields[4].hasSuffix("+0000 UTC") && fields[5].hasSuffix("ago"), "\(formatted)")
        let customTable = swrun.run(["images", "--format", "table {{.Repository}}\t{{.ID}}", "new"])
        #expect(cells(customTable.lines[0]) == ["REPOSITORY", "IMAGE ID"], "\(customTable)")
    }

    @Test func tagAndRmiUntagThenDeleteLayersAndBlobs() throws {
        let id = try importBusybox("box:1")
        let tagged = swrun.run(["tag", short(id), "box:2"])
        #expect(tagged.status == 0 && tagged.out.isEmpty, "\(tagged)")
        #expect(swrun.run(["tag", "nosuch:1", "x:1"]).status != 0)
        #expect(swrun.run(["inspect", "-f", "{{.RepoTags}}", "box:2"]).out == "[box:1 box:2]")

        let untag = swrun.run(["rmi", "box:1"])
        #expect(untag.status == 0 && untag.lines == ["Untagged: box:1"], "\(untag)")
        #expect(!swrun.layerDirectories().isEmpty && !blobs().isEmpty)

        let delete = swrun.run(["rmi", "box:2"])
        #expect(delete.status == 0, "\(delete)")
        #expect(delete.lines.first == "Untagged: box:2")
        #expect(delete.lines.dropFirst().first == "Deleted: \(id)", "\(delete)")
        #expect(delete.lines.count == 3 && delete.lines[2].hasPrefix("Deleted: sha256:"), "\(delete)")
        #expect(swrun.layerDirectories().isEmpty)
        #expect(blobs().isEmpty)
        #expect(swrun.run(["images", "-q"]).lines.isEmpty)
    }

    @Test func rmiByIDWithSeveralTagsNeedsForce() throws {
        let id = try importBusybox("one:1")
        #expect(swrun.run(["tag", "one:1", "two:1"]).status == 0)
        let refused = swrun.run(["rmi", short(id)])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.err == "Error response from daemon: conflict: unable to delete \(short(id)) (must be forced) - image is referenced in multiple repositories")
        let forced = swrun.run(["rmi", "-f", String(short(id).prefix(4))])
        #expect(forced.status == 0, "\(forced)")
        #expect(Set(forced.lines.prefix(2)) == ["Untagged: one:1", "Untagged: two:1"])
        #expect(forced.lines.contains("Deleted: \(id)"))
        #expect(blobs().isEmpty)
    }

    @Test func rmiRefusesAnImageAContainerUsesUnlessForced() throws {
        let id = try importBusybox("used:1")
        let run = swrun.run(["run", "--name", "user", "used:1", "true"])
        #expect(run.status == 0, "\(run)")
        let containerID = swrun.run(["inspect", "-f", "{{.Id}}", "user"]).out

        let refused = swrun.run(["rmi", "used:1", "nosuch:image"])
        #expect(refused.status == 1, "\(refused)")
        let errors = refused.err.components(separatedBy: "\n")
        #expect(errors.first == "Error response from daemon: conflict: unable to remove repository reference \"used:1\" (must force) - container \(containerID.prefix(12)) is using its referenced image \(short(id))", "\(refused)")
        #expect(errors.count == 2 && errors[1].contains("No such image"), "\(refused)")
        #expect(swrun.run(["images", "-q", "--no-trunc"]).lines == [id])

        let forced = swrun.run(["rmi", "-f", "used:1"])
        #expect(forced.status == 0, "\(forced)")
        #expect(forced.lines.first == "Untagged: used:1" && forced.lines.contains("Deleted: \(id)"), "\(forced)")
        #expect(swrun.layerDirectories().isEmpty && blobs().isEmpty)
    }

    @Test func rmiByIDOfARunningContainersImageCannotBeForced() throws {
        let id = try importBusybox("busy:1")
        let started = swrun.run(["run", "-d", "--name", "sleeper", "busy:1", "sleep", "100"])
        #expect(started.status == 0, "\(started)")
        defer { swrun.run(["rm", "-f", "sleeper"]) }
        let refused = swrun.run(["rmi", "-f", id])
        #expect(refused.status == 1)
        #expect(refused.err.contains("(cannot be forced) - image is being used by running container"), "\(refused)")
        // By name, -f untags and keeps the image for the running container.
        let untagged = swrun.run(["rmi", "-f", "busy:1"])
        #expect(untagged.lines == ["Untagged: busy:1"], "\(untagged)")
        #expect(swrun.run(["images", "-q", "--no-trunc"]).lines == [id])
        #expect(swrun.run(["exec", "sleeper", "true"]).status == 0)
    }

    @Test func rmiOfAnAmbiguousPrefixFails() throws {
        // Tiny images until two IDs share their first 3 hex digits (a birthday search).
        let tar = swrun.scratch + "/tiny.tar"
        let made = Host.run("/usr/bin/python3", ["-c", """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w") as tar:
                info = tarfile.TarInfo("file"); info.size = 2; tar.addfile(info, io.BytesIO(b"x\\n"))
            """, tar])
        try #require(made.status == 0)
        var byPrefix: [String: String] = [:]
        var shared: String?
        for n in 0..<600 where shared == nil {
            let result = swrun.run(["import", "-c", "LABEL n=\(n)", tar])
            try #require(result.status == 0, "\(result)")
            let prefix = String(short(result.out).prefix(3))
            if byPrefix[prefix] != nil { shared = prefix } else { byPrefix[prefix] = result.out }
        }
        let prefix = try #require(shared)
        let before = swrun.run(["images", "-q"]).lines.count
        let ambiguous = swrun.run(["rmi", prefix])
        #expect(ambiguous.status == 1 && ambiguous.err.contains("ambiguous"), "\(ambiguous)")
        #expect(swrun.run(["images", "-q"]).lines.count == before)
        #expect(swrun.run(["rmi", "zz"]).status == 1)
    }

    @Test func historyShowsDockersColumns() throws {
        let id = try importBusybox("hist:1")
        let history = swrun.run(["history", "hist:1"])
        #expect(history.status == 0, "\(history)")
        #expect(cells(history.lines[0]) == ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"])
        let row = cells(history.lines[1])
        #expect(row[0] == short(id) && row[1].hasSuffix("ago") && row[2] == "swrun import", "\(history)")
        #expect(row[3].hasSuffix("MB") && row[4] == "Imported from -", "\(history)")

        let raw = swrun.run(["history", "--no-trunc", "-H=false", "hist:1"])
        let rawRow = cells(raw.lines[1])
        #expect(rawRow[0] == id && rawRow[1].hasSuffix("Z") && Int(rawRow[3]) != nil, "\(raw)")
        #expect(swrun.run(["history", "-q", "hist:1"]).lines == [short(id)])
        #expect(swrun.run(["history", "--format", "{{.CreatedBy}}|{{.Comment}}", "hist:1"]).out == "swrun import|Imported from -")
        #expect(swrun.run(["history", "nosuch:1"]).status != 0)
    }

    @Test func inspectShowsDockersImageDocument() throws {
        let id = try importBusybox("insp:1", changes: ["ENV A=1", "ENV B=2", "LABEL k=v", "WORKDIR /srv", "CMD [\"sh\"]"])
        let inspected = swrun.run(["inspect", "insp:1"])
        #expect(inspected.status == 0, "\(inspected)")
        let documents = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [[String: Any]]
        let document = try #require(documents?.first)
        #expect(document["Id"] as? String == id)
        #expect(document["RepoTags"] as? [String] == ["insp:1"])
        #expect((document["RepoDigests"] as? [String])?.first?.hasPrefix("insp@sha256:") == true)
        #expect(document["Parent"] as? String == "")
        #expect(document["Os"] as? String == "linux")
        #expect((document["Size"] as? Int ?? 0) > 1_000_000)
        let config = try #require(document["Config"] as? [String: Any])
        #expect(config["Env"] as? [String] == ["A=1", "B=2"])
        #expect(config["Cmd"] as? [String] == ["sh"])
        #expect(config["WorkingDir"] as? String == "/srv")
        #expect(config["Labels"] as? [String: String] == ["k": "v"])
        let rootfs = try #require(document["RootFS"] as? [String: Any])
        #expect(rootfs["Type"] as? String == "layers" && (rootfs["Layers"] as? [String])?.count == 1)
        #expect((document["Metadata"] as? [String: Any])?["LastTagTime"] != nil)
        let keys = ["Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Author", "Config", "Architecture", "Os", "Size", "RootFS"]
        let positions = keys.compactMap { inspected.stdout.range(of: "\n        \"\($0)\": ")?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted(), "docker's field order")

        #expect(swrun.run(["inspect", "-f", "{{.Os}}", "insp:1"]).out == "linux")
        #expect(swrun.run(["inspect", "-f", "{{json .Config.Env}}", "insp:1"]).out == #"["A=1","B=2"]"#)
        #expect(swrun.run(["inspect", "-f", "{{len .RootFS.Layers}}", short(id)]).out == "1")
        #expect(swrun.run(["image", "inspect", "--type", "image", "-f", "{{.Id}}", "insp:1"]).out == id)

        // A container named like the image is found first, as docker does; --type picks.
        #expect(swrun.run(["tag", "insp:1", "insp"]).status == 0)
        #expect(swrun.run(["run", "--name", "insp", "insp:1", "true"]).status == 0)
        #expect(swrun.run(["inspect", "-f", "{{.Name}}", "insp"]).out == "/insp")
        #expect(swrun.run(["inspect", "--type", "image", "-f", "{{.Id}}", "insp"]).out == id)
        let missing = swrun.run(["inspect", "--type", "image", "insp-nope"])
        #expect(missing.status == 1 && missing.err.contains("No such image"), "\(missing)")
    }

    @Test func imagePruneRemovesDanglingThenUnused() throws {
        let dangling = try importBusybox(nil)
        let used = try importBusybox("kept:1", changes: ["ENV X=1"])
        let unused = try importBusybox("spare:1", changes: ["ENV Y=1"])
        #expect(swrun.run(["run", "--name", "keeper", "kept:1", "true"]).status == 0)

        let declined = swrun.run(["image", "prune"], stdin: Data("n\n".utf8))
        #expect(declined.stdout.hasPrefix("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] "), "\(declined)")
        #expect(swrun.run(["images", "-q", "--no-trunc"]).lines.count == 3)

        let pruned = swrun.run(["image", "prune", "-f"])
        #expect(pruned.status == 0, "\(pruned)")
        #expect(pruned.lines.first == "Deleted Images:" && pruned.lines.contains("deleted: \(dangling)"), "\(pruned)")
        #expect(pruned.lines.last?.hasPrefix("Total reclaimed space: ") == true)
        #expect(Set(swrun.run(["images", "-q", "--no-trunc"]).lines) == [used, unused])

        let all = swrun.run(["image", "prune", "-a"], stdin: Data("y\n".utf8))
        #expect(all.stdout.hasPrefix("WARNING! This will remove all images without at least one container associated to them."), "\(all)")
        #expect(all.lines.contains("untagged: spare:1") && all.lines.contains("deleted: \(unused)"), "\(all)")
        #expect(all.lines.last?.hasPrefix("Total reclaimed space: ") == true && all.lines.last != "Total reclaimed space: 0B", "\(all)")
        #expect(swrun.run(["images", "-q", "--no-trunc"]).lines == [used])
        #expect(swrun.layerDirectories().count == 1)

        let nothing = swrun.run(["image", "prune", "-a", "-f"])
        #expect(nothing.lines == ["Total reclaimed space: 0B"], "\(nothing)")
    }

    @Test func systemDfCountsImagesAndContainers() throws {
        try importBusybox("df:1")
        try importBusybox("df:2", changes: ["ENV Z=1"])
        #expect(swrun.run(["run", "--name", "dfc", "df:1", "true"]).status == 0)
        let df = swrun.run(["system", "df"])
        #expect(df.status == 0, "\(df)")
        #expect(cells(df.lines[0]) == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"])
        let rows = df.lines.dropFirst().map(cells)
        #expect(rows.map { $0[0] } == ["Images", "Containers", "Local Volumes", "Build Cache"])
        #expect(rows[0][1] == "2" && rows[0][2] == "1" && rows[0][3].hasSuffix("MB"), "\(df)")
        // Both images share their one layer, which the container's image uses.
        #expect(rows[0][4] == "0B (0%)", "\(df)")
        #expect(rows[1][1] == "1" && rows[1][2] == "0", "\(df)")
        #expect(rows[2].dropFirst() == ["0", "0", "0B", "0B"] && rows[3].dropFirst() == ["0", "0", "0B", "0B"], "\(df)")
        #expect(swrun.run(["system", "df", "--format", "{{.Type}}={{.TotalCount}}"]).lines.first == "Images=2")
    }
}
