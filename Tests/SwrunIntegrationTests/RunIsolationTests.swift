import Foundation
import Glibc
import Testing

/// Namespaces: PID, UTS, network, mount, and what the container sees of /dev, /proc, /sys.
@Suite("run: namespaces and the container's view", .serialized)
struct RunIsolationTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func kernelIsTheHostKernel() {
        var host = utsname()
        uname(&host)
        let release = withUnsafeBytes(of: host.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let result = swrun.runRm(["busybox", "uname", "-r"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out == release)
    }

    @Test func commandIsPIDOneAndSeesOnlyItsOwnProcesses() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo $$; ls -d /proc/[0-9]* | wc -l"])
        #expect(result.status == 0, "\(result)")
        // The shell and the pipeline's two children (ls, wc) — nothing from the host.
        #expect(result.lines.first == "1")
        #expect(result.lines.count == 2)
        if let count = Int(result.lines.last?.trimmingCharacters(in: .whitespaces) ?? ""), result.lines.count == 2 {
            #expect(count <= 3, "\(result)")
        }
    }

    @Test func hostnameIsTheShortContainerID() {
        let result = swrun.run(["run", "busybox", "sh", "-c", "hostname; cat /etc/hostname; echo $HOSTNAME"])
        #expect(result.status == 0, "\(result)")
        let ids = swrun.containerIDs()
        #expect(ids.count == 1)
        guard let id = ids.first else { return }
        #expect(id.count == 64)
        #expect(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let short = String(id.prefix(12))
        #expect(result.lines == [short, short, short])
    }

    @Test func hostnameFlagSetsUTSNameAndEtcHostname() {
        let result = swrun.runRm(["--hostname", "foo", "busybox", "sh", "-c", "hostname; cat /etc/hostname; grep -c foo /etc/hosts"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["foo", "foo", "1"])
        let short = swrun.runRm(["-h", "bar", "busybox", "hostname"])
        #expect(short.out == "bar", "\(short)")
    }

    @Test func hostnameChangeInsideDoesNotReachTheHost() {
        let before = Host.read("/proc/sys/kernel/hostname")
        let result = swrun.runRm(["--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "hostname changed-inside && hostname"])
        #expect(result.status == 0, "\(result)")
        #expect(result.out == "changed-inside")
        #expect(Host.read("/proc/sys/kernel/hostname") == before)
    }

    @Test func networkNoneHasOnlyLoopbackAndItIsUp() {
        let result = swrun.runRm(["--network", "none", "busybox", "sh", "-c", "cat /proc/net/dev; echo ---; ip link show lo"])
        #expect(result.status == 0, "\(result)")
        let parts = result.stdout.components(separatedBy: "---\n")
        #expect(parts.count == 2)
        #expect(Host.interfaces(in: parts[0]) == ["lo"])
        if parts.count == 2 {
            #expect(parts[1].contains("<LOOPBACK,UP,LOWER_UP>"), "\(result)")
        }
    }

    @Test func networkHostSeesTheHostInterfaces() {
        let result = swrun.runRm(["--network", "host", "busybox", "cat", "/proc/net/dev"])
        #expect(result.status == 0, "\(result)")
        #expect(Host.interfaces(in: result.stdout) == Host.interfaces())
        #expect(Host.interfaces().count > 1, "the host has more than lo")
    }

    @Test func procIsTheContainersOwnAndCgroupNamespaceIsPrivate() {
        let result = swrun.runRm(["busybox", "sh", "-c", "grep -c . /proc/self/cgroup; grep -v ':/$' /proc/self/cgroup | wc -l"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.last?.trimmingCharacters(in: .whitespaces) == "0", "cgroup paths are / inside: \(result)")
    }

    @Test func devHasTheStandardNodesAndLinks() {
        let script = """
        for n in null zero full random urandom tty; do [ -c /dev/$n ] && echo char $n; done
        for d in pts shm; do [ -d /dev/$d ] && echo dir $d; done
        for l in ptmx fd stdin stdout stderr; do echo link $l $(readlink /dev/$l); done
        [ -c /dev/pts/ptmx ] && echo char pts/ptmx
        echo hi > /dev/null && head -c 4 /dev/zero | wc -c
        """
        let result = swrun.runRm(["busybox", "sh", "-c", script])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == [
            "char null", "char zero", "char full", "char random", "char urandom", "char tty",
            "dir pts", "dir shm",
            "link ptmx pts/ptmx", "link fd /proc/self/fd", "link stdin /proc/self/fd/0",
            "link stdout /proc/self/fd/1", "link stderr /proc/self/fd/2",
            "char pts/ptmx", "4",
        ])
    }

    @Test func maskedProcFilesReadEmpty() {
        let result = swrun.runRm(["busybox", "sh", "-c", "cat /proc/timer_list | wc -c; cat /proc/keys | wc -c"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.map { $0.trimmingCharacters(in: .whitespaces) } == ["0", "0"])
    }

    @Test func procSysIsReadOnly() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/domainname"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("Read-only file system"), "\(result)")
    }

    @Test func sysAndCgroupfsAreReadOnly() {
        // A new cgroup: below the memory hierarchy on v1, below the container's own on v2.
        let newCgroup = Host.cgroupVersion == .v1 ? "/sys/fs/cgroup/memory/x" : "/sys/fs/cgroup/x"
        let result = swrun.runRm(["busybox", "sh", "-c", "touch /sys/x; touch /sys/fs/cgroup/x; mkdir \(newCgroup); echo done"])
        #expect(result.stdout == "done\n", "\(result)")
        #expect(result.stderr.components(separatedBy: "Read-only file system").count - 1 == 3, "\(result)")
        let mounts = swrun.runRm(["busybox", "sh", "-c", "grep -E ' /sys | /sys/fs/cgroup ' /proc/mounts | cut -d' ' -f2,4 | cut -d, -f1"])
        #expect(mounts.lines == ["/sys ro", "/sys/fs/cgroup ro"], "\(mounts)")
    }

    @Test func runtimeFilesNeverLandInTheUpperDir() {
        let result = swrun.run(["run", "busybox", "sh", "-c", "cat /etc/hostname; cat /etc/hosts; echo 1.2.3.4 extra >> /etc/hosts"])
        #expect(result.status == 0, "\(result)")
        let ids = swrun.containerIDs()
        #expect(ids.count == 1)
        guard let id = ids.first else { return }
        #expect(result.lines.first == String(id.prefix(12)))
        #expect(result.stdout.contains("127.0.0.1"), "\(result)")
        let upper = swrun.root + "/containers/" + id + "/upper/etc/"
        for name in ["hostname", "hosts", "resolv.conf"] {
            // An empty mount-point placeholder is allowed; the runtime's content is not.
            let content = Host.read(upper + name) ?? ""
            #expect(content == "", "upper/etc/\(name) holds: \(content)")
        }
        // The write went to the container's own copy outside the rootfs.
        let hosts = Host.read(swrun.root + "/containers/" + id + "/hosts") ?? ""
        #expect(hosts.contains("1.2.3.4 extra"), "\(hosts)")
    }

    @Test func overlayMountIsInvisibleOnTheHost() {
        let result = swrun.runRm(["busybox", "sh", "-c", "grep -c '^none / overlay ' /proc/mounts"])
        #expect(result.out == "1", "\(result)")
        let host = Host.read("/proc/self/mountinfo") ?? ""
        #expect(!host.contains(swrun.root), "host mountinfo mentions the store root")
    }
}
