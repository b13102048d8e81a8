import Foundation
import Testing

/// The same Dockerfile built by `swrun build` and by `podman build` (podman with its own
/// --root, given swrun's own busybox): what docker's semantics fix must agree, the
/// config, the layers and history rows, and each layer's files (modes, owners, link
/// targets, contents; not mtimes). Where podman (buildah) is not docker, docker wins,
/// and the comparison says where.
@Suite("build: the same image as podman build", .serialized)
struct BuildInteropTests {
    typealias Podman = SaveLoadTests.Podman
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    static let dockerfile = """
        FROM busybox
        ENV APP_HOME=/srv/app MODE=test
        WORKDIR /srv/app
        COPY --chmod=0755 run.sh ./
        COPY --chmod=0640 config.txt data/ ./
        RUN echo "built in $APP_HOME" > built.txt && ln -s built.txt latest && mkdir -p logs && chown 1000:1000 logs
        LABEL org.example.name="interop" org.example.version=1
        CMD ["./run.sh"]
        EXPOSE 8080/tcp 53/udp
        USER 1000:1000
        """

    /// A docker-archive's image as text: config fields, history rows (empty_layer only),
    /// and per layer one line per entry `path type mode uid:gid -> link sha256`.
    static let describeScript = #"""
        import hashlib, json, sys, tarfile
        EMPTY = hashlib.sha256(b"").hexdigest()[:16]
        archive = tarfile.open(sys.argv[1])
        manifest = json.load(archive.extractfile("manifest.json"))[0]
        config = json.load(archive.extractfile(manifest["Config"]))
        c = config.get("config") or {}
        labels = dict(c.get("Labels") or {})
        # buildah stamps its version; docker (BuildKit) adds no label of its own.
        labels.pop("io.buildah.version", None)
        print("Env", json.dumps(c.get("Env")))
        print("Cmd", json.dumps(c.get("Cmd")))
        # buildah writes an empty Entrypoint as []; docker leaves it null.
        print("Entrypoint", json.dumps(c.get("Entrypoint") or None))
        print("WorkingDir", json.dumps(c.get("WorkingDir")))
        print("User", json.dumps(c.get("User")))
        print("ExposedPorts", json.dumps(sorted((c.get("ExposedPorts") or {}).keys())))
        print("Labels", json.dumps(labels, sort_keys=True))
        def listing(name):
            layer = tarfile.open(fileobj=archive.extractfile(name))
            rows = []
            for m in sorted(layer.getmembers(), key=lambda m: m.name.strip("/")):
                path = m.name.strip("/").removeprefix("./") or "."
                digest = hashlib.sha256(layer.extractfile(m).read()).hexdigest()[:16] if m.isreg() else ""
                link = m.linkname if (m.issym() or m.islnk()) else ""
                # Go's tar (docker's, buildah's) writes the file type bits into the mode
                # field as well; readers ignore them.
                rows.append([path, m.type.decode(), oct(m.mode & 0o7777), f"{m.uid}:{m.gid}", link, digest])
            return rows
        history = [bool(h.get("empty_layer")) for h in config.get("history", [])]
        layers = [None] + [listing(name) for name in manifest["Layers"][1:]]  # layer 0: busybox's own blob
        if sys.argv[2] == "podman":
            # buildah leaves the mount points of a RUN (an empty /etc/hostname, /run) in
            # its layer; docker (BuildKit) removes them.
            layers = [l if l is None else [r for r in l if not (r[0] == "etc/hostname" and r[5] == EMPTY)
                                           and r[0] != "run"] for l in layers]
            # buildah makes WORKDIR's directory in the next layer; docker in a layer of
            # the WORKDIR step (history row 2, after busybox's and ENV's).
            workdir = c.get("WorkingDir", "").strip("/")
            made = [r for r in layers[1] if workdir == r[0] or workdir.startswith(r[0] + "/")]
            layers.insert(1, made)
            history[2] = False
        print("layers", len(layers))
        print("history", json.dumps(history))
        for index, rows in enumerate(layers):
            print("layer", index)
            for row in rows or []:
                print(" ", " ".join(row))
        """#

    func describe(_ archive: String, builtBy builder: String) -> String {
        let script = swrun.scratch + "/describe.py"
        try? Self.describeScript.write(toFile: script, atomically: true, encoding: .utf8)
        let result = Host.run("/usr/bin/python3", [script, archive, builder])
        #expect(result.status == 0, "describe \(archive): \(result.stdout)")
        return result.stdout
    }

    @Test func swrunAndPodmanBuildTheSameImage() throws {
        let directory = swrun.scratch + "/interop"
        try FileManager.default.createDirectory(atPath: directory + "/data/nested", withIntermediateDirectories: true)
        try Self.dockerfile.write(toFile: directory + "/Dockerfile", atomically: false, encoding: .utf8)
        try "#!/bin/sh\necho running\n".write(toFile: directory + "/run.sh", atomically: false, encoding: .utf8)
        try "key=value\n".write(toFile: directory + "/config.txt", atomically: false, encoding: .utf8)
        try "one\n".write(toFile: directory + "/data/one.txt", atomically: false, encoding: .utf8)
        try "two\n".write(toFile: directory + "/data/nested/two.txt", atomically: false, encoding: .utf8)

        let built = swrun.run(["build", "--network", "none", "-t", "interop:swrun", directory], timeout: 120)
        #expect(built.status == 0, "\(built)")
        let ours = swrun.scratch + "/swrun.tar"
        #expect(swrun.run(["save", "-o", ours, "interop:swrun"]).status == 0)

        let podman = try #require(try Podman(scratch: swrun.scratch), "podman is a test dependency (scripts/test installs it)")
        defer { podman.cleanUp() }
        // podman builds on swrun's own busybox, not a registry's.
        let base = swrun.scratch + "/busybox.tar"
        #expect(swrun.run(["save", "-o", base, "busybox"]).status == 0)
        #expect(podman.run(["load", "-i", base]).status == 0)
        let theirs = swrun.scratch + "/podman.tar"
        let podmanBuilt = podman.run(["build", "--format", "docker", "--pull=never", "--network", "none", "-t", "localhost/interop:podman", directory])
        #expect(podmanBuilt.status == 0, "podman build: \(podmanBuilt.stdout)")
        #expect(podman.run(["save", "--format", "docker-archive", "-o", theirs, "localhost/interop:podman"]).status == 0)

        let swrunText = describe(ours, builtBy: "swrun")
        let podmanText = describe(theirs, builtBy: "podman")
        #expect(swrunText == podmanText, "swrun:\n\(swrunText)\npodman:\n\(podmanText)")
    }
}
