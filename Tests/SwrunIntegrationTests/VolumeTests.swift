import Foundation
import Testing

/// Named and anonymous volumes, `--mount` and `--volumes-from`, and the `volume`
/// commands, as a docker user drives them.
@Suite("volumes", .serialized)
struct VolumeTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    func volumeNames() -> [String] { swrun.run(["volume", "ls", "-q"]).lines }

    func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func namedVolumePersistsAcrossContainers() {
        let write = swrun.runRm(["-v", "keep:/data", "busybox", "sh", "-c", "echo kept > /data/f"])
        #expect(write.status == 0, "\(write)")
        let read = swrun.runRm(["-v", "keep:/data:ro", "busybox", "cat", "/data/f"])
        #expect(read.status == 0, "\(read)")
        #expect(read.stdout == "kept\n")
        #expect(volumeNames() == ["keep"])
        #expect(Host.read(swrun.root + "/volumes/keep/_data/f") == "kept\n")
        let readOnly = swrun.runRm(["-v", "keep:/data:ro", "busybox", "sh", "-c", "echo x > /data/f"])
        #expect(readOnly.status != 0 && readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
    }

    @Test func anonymousVolumesGoWithRunRmAndRmV() {
        let rm = swrun.runRm(["-v", "/scratch", "busybox", "sh", "-c", "echo x > /scratch/f"])
        #expect(rm.status == 0, "\(rm)")
        #expect(volumeNames().isEmpty)

        let kept = swrun.run(["run", "--name", "anon", "-v", "/scratch", "busybox", "true"])
        #expect(kept.status == 0, "\(kept)")
        let names = volumeNames()
        #expect(names.count == 1 && names[0].count == 64 && names[0].allSatisfy(\.isHexDigit), "\(names)")
        #expect(swrun.run(["rm", "anon"]).status == 0)
        #expect(volumeNames() == names, "rm without -v keeps anonymous volumes")

        #expect(swrun.run(["run", "--name", "anon2", "-v", "/scratch", "-v", "named:/named", "busybox", "true"]).status == 0)
        #expect(swrun.run(["rm", "-v", "anon2"]).status == 0)
        #expect(volumeNames().sorted() == (names + ["named"]).sorted())
    }

    @Test func newVolumeIsFilledFromTheImage() {
        let etc = swrun.runRm(["-v", "etc:/etc", "busybox", "head", "-1", "/etc/passwd"])
        #expect(etc.status == 0, "\(etc)")
        #expect(etc.stdout == "root:x:0:0:root:/root:/bin/sh\n")
        #expect(Host.exists(swrun.root + "/volumes/etc/_data/group"))

        // Filled once, while empty: later changes stay.
        #expect(swrun.runRm(["-v", "etc:/etc", "busybox", "rm", "/etc/group"]).status == 0)
        #expect(swrun.runRm(["-v", "etc:/etc", "busybox", "ls", "/etc/group"]).status != 0)

        let nocopy = swrun.runRm(["--mount", "type=volume,src=empty,dst=/etc,volume-nocopy", "busybox", "ls", "/etc"])
        #expect(nocopy.status == 0, "\(nocopy)")
        #expect(!nocopy.lines.contains("passwd"), "\(nocopy)")
    }

    @Test func imageVolumesAreAnonymousAndKeepOwners() throws {
        let directory = swrun.scratch + "/volimage"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try """
            FROM busybox
            RUN mkdir -p /data/sub && echo seeded > /data/f && chown 1234:5678 /data/f && chmod 0640 /data/f \
                && chown 42:43 /data/sub && chmod 0750 /data/sub
            VOLUME /data
            """.write(toFile: directory + "/Dockerfile", atomically: false, encoding: .utf8)
        let build = swrun.run(["build", "--network", "none", "-q", "-t", "volimage", directory], timeout: 120)
        #expect(build.status == 0, "\(build)")

        let run = swrun.run(["run", "--name", "img", "volimage", "sh", "-c",
                             "cat /data/f; stat -c '%u:%g %a' /data/f /data/sub; grep ' /data ' /proc/mounts | wc -l"])
        #expect(run.status == 0, "\(run)")
        #expect(run.lines == ["seeded", "1234:5678 640", "42:43 750", "1"])
        let inspect = swrun.run(["inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Destination}} {{.Driver}} {{.RW}}{{end}}", "img"])
        #expect(inspect.out == "volume /data local true", "\(inspect)")
        #expect(swrun.run(["rm", "-v", "img"]).status == 0)
        #expect(volumeNames().isEmpty)
    }

    @Test func volumeInUseCannotBeRemoved() {
        let run = swrun.run(["run", "-d", "--name", "user", "-v", "busy:/data", "busybox", "true"])
        #expect(run.status == 0, "\(run)")
        let id = run.out
        #expect(swrun.run(["wait", "user"]).status == 0)
        let refused = swrun.run(["volume", "rm", "busy"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("remove busy: volume is in use - [\(id)]"), "\(refused)")
        #expect(swrun.run(["rm", "user"]).status == 0)
        let removed = swrun.run(["volume", "rm", "busy"])
        #expect(removed.status == 0 && removed.out == "busy", "\(removed)")
        let missing = swrun.run(["volume", "rm", "busy"])
        #expect(missing.status == 1 && missing.stderr.contains("no such volume"), "\(missing)")
        #expect(swrun.run(["volume", "rm", "-f", "busy"]).status == 0)
    }

    @Test func createListAndInspect() throws {
        let made = swrun.run(["volume", "create", "--label", "team=a", "v1"])
        #expect(made.status == 0 && made.out == "v1", "\(made)")
        let random = swrun.run(["volume", "create"])
        #expect(random.out.count == 64 && random.out.allSatisfy(\.isHexDigit), "\(random)")
        #expect(swrun.run(["volume", "create", "v10"]).status == 0)
        #expect(swrun.run(["volume", "create", "v1"]).out == "v1", "an existing name is answered with itself")

        let list = swrun.run(["volume", "ls"])
        #expect(list.lines == ["DRIVER    VOLUME NAME", "local     \(random.out)", "local     v1", "local     v10"], "\(list)")
        #expect(swrun.run(["volume", "list", "-q", "--filter", "label=team=a"]).lines == ["v1"])
        #expect(swrun.run(["volume", "ls", "-q", "--filter", "name=v1"]).lines == ["v1", "v10"])
        #expect(swrun.run(["volume", "ls", "--format", "{{.Name}}:{{.Labels}}", "-f", "label=team"]).lines == ["v1:team=a"])

        let inspect = swrun.run(["volume", "inspect", "v1"])
        #expect(inspect.status == 0, "\(inspect)")
        let documents = try #require(json(inspect.stdout) as? [[String: Any]])
        let document = try #require(documents.first)
        #expect(document["Name"] as? String == "v1")
        #expect(document["Driver"] as? String == "local")
        #expect(document["Scope"] as? String == "local")
        #expect(document["Mountpoint"] as? String == swrun.root + "/volumes/v1/_data")
        #expect(document["Labels"] as? [String: String] == ["team": "a"])
        #expect((document["CreatedAt"] as? String)?.hasSuffix("Z") == true)
        #expect(Set(document.keys) == ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"])
        #expect(swrun.run(["volume", "inspect", "-f", "{{.Name}} {{.Driver}}", "v1"]).out == "v1 local")
        let missing = swrun.run(["volume", "inspect", "v1", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("No such volume: nope"), "\(missing)")

        let bad = swrun.run(["volume", "create", "a@b"])
        #expect(bad.status != 0 && bad.stderr.contains("includes invalid characters for a local volume name"), "\(bad)")
        let badOption = swrun.run(["volume", "create", "-o", "colour=red", "v2"])
        #expect(badOption.status != 0 && badOption.stderr.contains("invalid option key: \"colour\""), "\(badOption)")
    }

    @Test func danglingFilterAndPrune() {
        #expect(swrun.run(["volume", "create", "idle"]).status == 0)
        #expect(swrun.run(["run", "--name", "holder", "-v", "held:/data", "-v", "/anon-held", "busybox", "true"]).status == 0)
        #expect(swrun.run(["run", "--name", "gone", "-v", "/anon-free", "busybox", "true"]).status == 0)
        let freeAnonymous = swrun.run(["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "gone"]).out
        #expect(swrun.run(["rm", "gone"]).status == 0)

        let dangling = swrun.run(["volume", "ls", "-q", "--filter", "dangling=true"]).lines
        #expect(dangling.sorted() == [freeAnonymous, "idle"].sorted(), "\(dangling)")
        #expect(swrun.run(["volume", "ls", "-q", "--filter", "dangling=false"]).lines.contains("held"))

        let prune = swrun.run(["volume", "prune", "-f"])
        #expect(prune.status == 0, "\(prune)")
        #expect(prune.stdout.hasPrefix("Deleted Volumes:\n\(freeAnonymous)\n\nTotal reclaimed space: "), "\(prune)")
        #expect(volumeNames().contains("idle"), "named volumes stay without -a")

        let all = swrun.run(["volume", "prune", "-a", "-f"])
        #expect(all.status == 0 && all.lines.contains("idle") && !all.lines.contains("held"), "\(all)")
        #expect(volumeNames().contains("held"))
        #expect(volumeNames().count == 2, "the named and anonymous volumes of holder stay")
    }

    @Test(arguments: [
        ("type=volume", "target is required"),
        ("type=bind,target=/x", "invalid mount config for type \"bind\": field Source must not be empty"),
        ("type=bind,src=/does/not/exist,dst=/x", "bind source path does not exist: /does/not/exist"),
        ("type=tmpfs,src=foo,dst=/x", "invalid mount config for type \"tmpfs\": field Source must not be specified"),
        ("type=volume,dst=/x,tmpfs-size=1m", "field TmpfsOptions must not be specified"),
        ("type=volume,dst=/x,bind-propagation=rshared", "field BindOptions must not be specified"),
        ("type=bind,src=/tmp,dst=/x,volume-nocopy", "field VolumeOptions must not be specified"),
        ("type=foo,dst=/x", "invalid mount config for type \"foo\": mount type unknown"),
        ("type=volume,dst=relative", "mount path must be absolute"),
        ("type=volume,dst=/x,colour=red", "unexpected key 'colour' in 'colour=red'"),
        ("type=volume,dst=/x,readonly=maybe", "invalid value for readonly: maybe"),
        ("type=tmpfs,dst=/x,tmpfs-size=huge", "invalid value for tmpfs-size: huge"),
        ("type=volume,dst=/x,nonsense", "invalid field 'nonsense' must be a key=value pair"),
    ])
    func badMountFlags(value: String, message: String) {
        let result = swrun.runRm(["--mount", value, "busybox", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
        #expect(volumeNames().isEmpty)
    }

    @Test func mountFlagKinds() throws {
        let host = swrun.scratch + "/bindsrc"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try "host\n".write(toFile: host + "/f", atomically: false, encoding: .utf8)
        let result = swrun.run(["run", "--name", "kinds",
                                "--mount", "type=bind,source=\(host),target=/h,readonly",
                                "--mount", "type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770",
                                "--mount", "src=mvol,dst=/v",
                                "busybox", "sh", "-c",
                                "cat /h/f; touch /h/x 2>/dev/null || echo ro; stat -c %a /t; df -k /t | tail -1 | awk '{print $2}'; touch /v/ok && echo vol"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["host", "ro", "1770", "1024", "vol"])
        let mounts = swrun.run(["inspect", "-f", "{{json .Mounts}}", "kinds"])
        let list = try #require(json(mounts.stdout) as? [[String: Any]], "\(mounts)")
        #expect(list.count == 3)
        let volume = try #require(list.first { $0["Type"] as? String == "volume" })
        #expect(volume["Name"] as? String == "mvol")
        #expect(volume["Source"] as? String == swrun.root + "/volumes/mvol/_data")
        #expect(volume["Destination"] as? String == "/v")
        #expect(volume["Driver"] as? String == "local")
        #expect(volume["RW"] as? Bool == true)
        #expect(volume["Propagation"] as? String == "")
        let bind = try #require(list.first { $0["Type"] as? String == "bind" })
        #expect(bind["Source"] as? String == host && bind["RW"] as? Bool == false && bind["Propagation"] as? String == "rprivate")
        #expect(list.contains { $0["Type"] as? String == "tmpfs" && $0["Destination"] as? String == "/t" })

        let duplicate = swrun.runRm(["-v", "a1:/data", "--mount", "src=a2,dst=/data", "busybox", "true"])
        #expect(duplicate.status == 125 && duplicate.stderr.contains("Duplicate mount point: /data"), "\(duplicate)")
    }

    @Test func volumesFrom() {
        let source = swrun.run(["run", "--name", "src", "-v", "shared:/data", "-v", "/anon", "busybox", "sh", "-c",
                                "echo shared > /data/f; echo anon > /anon/f"])
        #expect(source.status == 0, "\(source)")
        let read = swrun.runRm(["--volumes-from", "src", "busybox", "sh", "-c", "cat /data/f /anon/f; echo more >> /data/f"])
        #expect(read.status == 0, "\(read)")
        #expect(read.lines == ["shared", "anon"])
        let readOnly = swrun.runRm(["--volumes-from", "src:ro", "busybox", "sh", "-c", "cat /data/f; echo x > /data/f"])
        #expect(readOnly.status != 0 && readOnly.stdout == "shared\nmore\n", "\(readOnly)")
        #expect(readOnly.stderr.contains("Read-only file system"), "\(readOnly)")
        let missing = swrun.runRm(["--volumes-from", "nobody", "busybox", "true"])
        #expect(missing.status == 125 && missing.stderr.contains("No such container: nobody"), "\(missing)")
        #expect(volumeNames().count == 2, "--rm leaves the volumes it borrowed")
    }

    @Test func bindDeviceVolume() throws {
        let host = swrun.scratch + "/device"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        let made = swrun.run(["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=\(host)", "dev"])
        #expect(made.status == 0, "\(made)")
        #expect(swrun.runRm(["-v", "dev:/data", "busybox", "sh", "-c", "echo through > /data/f"]).status == 0)
        #expect(Host.read(host + "/f") == "through\n")
        let options = swrun.run(["volume", "inspect", "-f", "{{.Options.type}} {{.Options.device}}", "dev"])
        #expect(options.out == "none \(host)", "\(options)")
    }
}
