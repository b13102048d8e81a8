import Foundation
import Glibc
import Testing

/// Kernels older than this host's lack facilities swrun prefers (lowerdir+ from 6.8,
/// mount_setattr from 5.12, CLOSE_RANGE_CLOEXEC from 5.11, the new mount API from 5.2).
/// The fallbacks run for real in the kernel VM stage (Debian 12's 6.1); here a seccomp
/// filter loaded before swrun starts makes those calls fail as an older kernel does,
/// so the same fallback code runs on this host's kernel too.
@Suite("kernel facilities and their fallbacks", .serialized)
struct KernelFacilityTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// Loads a seccomp filter that makes each listed syscall fail with its errno, then
    /// execs the rest of the command line. The filter is inherited by swrun, swrun-init
    /// and the container, as a kernel without the call would be.
    static let withoutSyscalls = """
        import errno, os, sys, seccomp
        f = seccomp.SyscallFilter(seccomp.ALLOW)
        f.set_attr(seccomp.Attr.CTL_NNP, 0)
        for rule in sys.argv[1].split(","):
            name, err = rule.split(":")
            f.add_rule(seccomp.ERRNO(getattr(errno, err)), name)
        f.load()
        os.execv(sys.argv[2], sys.argv[2:])
        """

    /// `swrun --root <root> <arguments>` with `rules` ("close_range:ENOSYS,…") denied.
    func runWithout(_ rules: String, _ arguments: [String]) -> CommandResult {
        let out = swrun.scratch + "/without.out", err = swrun.scratch + "/without.err"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.withoutSyscalls, rules, Swrun.binary, "--root", swrun.root] + arguments
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        do { try process.run() } catch {
            return CommandResult(status: -1, stdout: "", stderr: "python3: \(error)", timedOut: false)
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: Host.read(out) ?? "",
                             stderr: Host.read(err) ?? "", timedOut: false)
    }

    /// An OCI layout of busybox plus `extra` one-file layers (`/layers/N`), loaded as
    /// `many:latest`: more layer paths than one page of mount options holds.
    func loadManyLayerImage(extra: Int) throws {
        let layout = swrun.scratch + "/many"
        let script = """
            import hashlib, io, json, os, sys, tarfile
            out, base, extra = sys.argv[1], sys.argv[2], int(sys.argv[3])
            os.makedirs(out + "/blobs/sha256")
            def blob(data):
                digest = hashlib.sha256(data).hexdigest()
                open(out + "/blobs/sha256/" + digest, "wb").write(data)
                return "sha256:" + digest, len(data)
            layers = [open(base, "rb").read()]
            for n in range(extra):
                buf = io.BytesIO()
                with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
                    d = tarfile.TarInfo("layers"); d.type = tarfile.DIRTYPE; d.mode = 0o755; t.addfile(d)
                    body = str(n).encode(); f = tarfile.TarInfo("layers/%d" % n); f.size = len(body)
                    t.addfile(f, io.BytesIO(body))
                layers.append(buf.getvalue())
            descs = []
            for data in layers:
                digest, size = blob(data)
                descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": size})
            config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                      "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descs]}}
            cdigest, csize = blob(json.dumps(config).encode())
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
                        "layers": descs}
            mdigest, msize = blob(json.dumps(manifest).encode())
            index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "digest": mdigest, "size": msize, "annotations": {"org.opencontainers.image.ref.name": "latest",
                     "io.containerd.image.name": "docker.io/library/many:latest"}}]}
            open(out + "/index.json", "w").write(json.dumps(index))
            open(out + "/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
            """
        let made = Host.run("/usr/bin/python3", ["-c", script, layout, Swrun.fixtures + "/busybox.tar", String(extra)])
        try #require(made.status == 0, "could not write the layout: \(made.stdout)")
        let loaded = swrun.run(["load", "-i", layout], timeout: 180)
        try #require(loaded.status == 0 && loaded.lines.last == "Loaded image: many:latest", "\(loaded)")
    }

    @Test("an image of 130 layers runs (overlay's option page overflows with plain paths)")
    func manyLayersRun() throws {
        try loadManyLayerImage(extra: 129)
        let result = swrun.runRm(["many", "sh", "-c", "ls /layers | wc -l; cat /layers/0 /layers/128"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["129", "0128"], "\(result)")
    }

    @Test("without lowerdir+, mount_setattr and CLOSE_RANGE_CLOEXEC: the fallbacks", arguments: [
        "fsconfig:EINVAL,mount_setattr:ENOSYS,close_range:ENOSYS",  // overlay without lowerdir+ (6.5–6.7), 5.10
        "fsopen:ENOSYS,close_range:EINVAL",                        // no new mount API for overlay; 5.9's close_range
    ])
    func fallbacks(_ rules: String) throws {
        try loadManyLayerImage(extra: 129)
        let data = swrun.scratch + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let script = "ls /layers | wc -l; touch /data/x 2>/dev/null && echo writable; ls /proc/self/fd | wc -l; "
            + "grep ' /data ' /proc/self/mountinfo | grep -c ' ro,'"
        let result = runWithout(rules, ["run", "--rm", "-v", data + ":/data:ro", "many", "sh", "-c", script])
        #expect(result.status == 0, "\(result)")
        // 129 layer files; /data read-only; fds 0-2 plus ls's own directory: nothing leaked.
        #expect(result.lines == ["129", "4", "1"], "\(result)")
        #expect(!Host.exists(data + "/x"))
    }

    @Test("a facility with no fallback fails in one line naming it and its kernel, leaving nothing")
    func missingFacilityIsNamed() throws {
        let data = swrun.scratch + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let result = runWithout("open_tree:ENOSYS", ["run", "--rm", "-v", data + ":/data", "busybox", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.err.split(separator: "\n").count == 1, "\(result)")
        #expect(result.err.contains("open_tree") && result.err.contains("Linux 5.2"), "\(result)")
        #expect(swrun.containerIDs().isEmpty)
        #expect(swrun.containerDirectories().isEmpty)
        #expect(!(Host.read("/proc/self/mountinfo") ?? "").contains(swrun.root))
    }
}
