import Foundation
import Testing

/// The root filesystem (overlay copy-on-write, --read-only) and the mounts a user asks for.
@Suite("run: rootfs, volumes and tmpfs", .serialized)
struct RunMountTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func bindVolumeIsReadWriteBothWays() throws {
        let host = swrun.scratch + "/hostdir"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try Data("from host\n".utf8).write(to: URL(fileURLWithPath: host + "/in.txt"))
        let result = swrun.runRm(["-v", host + ":/data", "busybox", "sh", "-c", "cat /data/in.txt; echo from container > /data/out.txt"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from host\n")
        #expect(Host.read(host + "/out.txt") == "from container\n")
    }

    @Test func readOnlyVolumeRefusesWrites() throws {
        let host = swrun.scratch + "/rodir"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: host + "/f"))
        let result = swrun.runRm(["-v", host + ":/data:ro", "busybox", "sh", "-c", "cat /data/f; echo x > /data/f; touch /data/new"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stdout == "keep\n")
        #expect(result.stderr.contains("Read-only file system"), "\(result)")
        #expect(Host.read(host + "/f") == "keep\n")
        #expect(!Host.exists(host + "/new"))
    }

    @Test func volumeOfASingleFile() throws {
        let file = swrun.scratch + "/config.txt"
        try Data("v1\n".utf8).write(to: URL(fileURLWithPath: file))
        let result = swrun.runRm(["-v", file + ":/etc/app.conf:ro", "busybox", "cat", "/etc/app.conf"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "v1\n")
    }

    @Test func volumeWithAMissingHostPathIsCreated() {
        // Docker creates a missing host directory for -v.
        let host = swrun.scratch + "/made/by/swrun"
        let result = swrun.runRm(["-v", host + ":/data", "busybox", "sh", "-c", "touch /data/ok"])
        #expect(result.status == 0, "\(result)")
        #expect(Host.exists(host + "/ok"))
    }

    @Test func relativeVolumeTargetIsRejected() {
        let result = swrun.runRm(["-v", swrun.scratch + ":data", "busybox", "true"])
        #expect(result.status == 125, "\(result)")
    }

    @Test func tmpfsMount() {
        let result = swrun.runRm(["--tmpfs", "/scratch", "busybox", "sh", "-c",
                                  "grep ' /scratch ' /proc/mounts | cut -d' ' -f3; touch /scratch/f && echo written"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["tmpfs", "written"])
    }

    @Test func tmpfsMountWithOptions() {
        let result = swrun.runRm(["--tmpfs", "/scratch:size=1m,mode=1777", "busybox", "sh", "-c",
                                  "stat -c %a /scratch; df -k /scratch | tail -1 | awk '{print $2}'"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["1777", "1024"])
    }

    @Test func readOnlyRootfs() {
        let result = swrun.runRm(["--read-only", "busybox", "sh", "-c", "touch /x; echo status=$?"])
        #expect(result.stdout == "status=1\n", "\(result)")
        #expect(result.stderr.contains("Read-only file system"), "\(result)")
        let tmpfs = swrun.runRm(["--read-only", "--tmpfs", "/tmp", "busybox", "sh", "-c", "touch /tmp/x && echo ok"])
        #expect(tmpfs.stdout == "ok\n", "\(tmpfs)")
    }

    @Test func copyOnWriteKeepsContainersAndTheLayerApart() {
        let layersBefore = Host.snapshot(swrun.root + "/layers")
        let writer = swrun.run(["run", "--name", "writer", "busybox", "sh", "-c", "echo mine > /etc/x; echo changed >> /etc/passwd; rm /bin/ls"])
        #expect(writer.status == 0, "\(writer)")
        let reader = swrun.run(["run", "--name", "reader", "busybox", "sh", "-c", "cat /etc/x; tail -1 /etc/passwd; ls -d /bin/ls"])
        #expect(reader.stderr.contains("/etc/x"), "\(reader)")
        #expect(!reader.stdout.contains("changed"), "\(reader)")
        #expect(reader.stdout.hasSuffix("/bin/ls\n"), "\(reader)")
        // Seeding happened in the first run: compare against the layers as seeded.
        let layers = swrun.layerDirectories()
        #expect(layers.count == 1)
        if layersBefore.isEmpty, let layer = layers.first {
            let tree = swrun.root + "/layers/" + layer
            #expect(!Host.exists(tree + "/etc/x"))
            #expect(Host.exists(tree + "/bin/ls"))
            #expect(!(Host.read(tree + "/etc/passwd") ?? "changed").contains("changed"))
        }
        let snapshot = Host.snapshot(swrun.root + "/layers")
        let third = swrun.runRm(["busybox", "sh", "-c", "echo again > /etc/x; rm -rf /usr; chmod 700 /etc"])
        #expect(third.status == 0, "\(third)")
        #expect(Host.snapshot(swrun.root + "/layers") == snapshot, "the layer changed under a container")
    }
}
