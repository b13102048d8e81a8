import Foundation
import Testing

/// Capabilities, seccomp, no-new-privileges and the device cgroup, read from
/// /proc/self/status inside the container and from what the container can do.
@Suite("run: capabilities, seccomp and privileges", .serialized)
struct RunSecurityTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// `/proc/self/status` of the container's command, run with `flags`.
    func status(_ flags: [String] = []) -> String {
        let result = swrun.runRm(flags + ["busybox", "cat", "/proc/self/status"])
        #expect(result.status == 0, "\(result)")
        return result.stdout
    }

    @Test func defaultsMatchDocker() {
        let status = status()
        let mask = Capability.mask(Capability.dockerDefault)
        #expect(mask == "00000000a80425fb")
        #expect(status.contains("Seccomp:\t2\n"))
        #expect(status.contains("CapEff:\t\(mask)\n"))
        #expect(status.contains("CapPrm:\t\(mask)\n"))
        #expect(status.contains("CapBnd:\t\(mask)\n"))
        #expect(status.contains("CapInh:\t0000000000000000\n"))
        #expect(status.contains("CapAmb:\t0000000000000000\n"))
        #expect(status.contains("NoNewPrivs:\t0\n"))
    }

    @Test func capAddNetAdmin() {
        let expected = Capability.mask(Capability.dockerDefault + [Capability.netAdmin])
        #expect(expected == "00000000a80435fb")
        let status = status(["--cap-add", "NET_ADMIN"])
        #expect(Host.statusField("CapEff", in: status) == expected)
        #expect(Host.statusField("CapBnd", in: status) == expected)
    }

    @Test func capDropChown() {
        let expected = Capability.mask(Capability.dockerDefault.filter { $0 != Capability.chown })
        #expect(expected == "00000000a80425fa")
        let status = status(["--cap-drop", "CHOWN"])
        #expect(Host.statusField("CapEff", in: status) == expected)
        let chown = swrun.runRm(["--cap-drop", "CHOWN", "busybox", "sh", "-c", "touch /f && chown 1:1 /f"])
        #expect(chown.status != 0, "\(chown)")
        #expect(chown.stderr.contains("Operation not permitted"), "\(chown)")
    }

    @Test func capDropAll() {
        let status = status(["--cap-drop", "ALL"])
        #expect(Host.statusField("CapEff", in: status) == "0000000000000000")
        #expect(Host.statusField("CapBnd", in: status) == "0000000000000000")
        #expect(Host.statusField("CapPrm", in: status) == "0000000000000000")
    }

    @Test func capDropAllThenAddOne() {
        let status = status(["--cap-drop", "ALL", "--cap-add", "KILL"])
        #expect(Host.statusField("CapEff", in: status) == Capability.mask([Capability.kill]))
    }

    @Test func privilegedGetsEveryCapabilityAndNoSeccomp() {
        let status = status(["--privileged"])
        // Every capability the host grants (a sandboxed host may lack some of 0...cap_last_cap).
        let all = Capability.hostBounding
        #expect(Host.statusField("CapEff", in: status) == all)
        #expect(Host.statusField("CapBnd", in: status) == all)
        #expect(Host.statusField("Seccomp", in: status) == "0")
        let mount = swrun.runRm(["--privileged", "busybox", "sh", "-c", "mkdir -p /mnt && mount -t tmpfs none /mnt && grep -c ' /mnt tmpfs ' /proc/mounts"])
        #expect(mount.status == 0, "\(mount)")
        #expect(mount.out == "1")
    }

    @Test func mountIsDeniedByDefault() {
        let result = swrun.runRm(["busybox", "mount", "-t", "tmpfs", "none", "/mnt"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("permission denied"), "\(result)")
    }

    @Test func seccompUnconfined() {
        let status = status(["--security-opt", "seccomp=unconfined"])
        #expect(Host.statusField("Seccomp", in: status) == "0")
        #expect(Host.statusField("CapEff", in: status) == "00000000a80425fb")
    }

    @Test func customSeccompProfileDeniesMkdir() throws {
        let profile = swrun.scratch + "/no-mkdir.json"
        try Data("""
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
        """.utf8).write(to: URL(fileURLWithPath: profile))
        let result = swrun.runRm(["--security-opt", "seccomp=" + profile, "busybox", "sh", "-c",
                                  "mkdir /x; echo mkdir=$?; touch /y; echo touch=$?; grep Seccomp: /proc/self/status"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["mkdir=1", "touch=0", "Seccomp:\t2"], "\(result)")
        #expect(result.stderr.contains("Operation not permitted"), "\(result)")
    }

    @Test func invalidSeccompProfileIsASwrunError() throws {
        let profile = swrun.scratch + "/bad.json"
        try Data("{\"defaultAction\": \"SCMP_ACT_NOPE\"}".utf8).write(to: URL(fileURLWithPath: profile))
        let bad = swrun.runRm(["--security-opt", "seccomp=" + profile, "busybox", "true"])
        #expect(bad.status == 125, "\(bad)")
        let missing = swrun.runRm(["--security-opt", "seccomp=" + swrun.scratch + "/absent.json", "busybox", "true"])
        #expect(missing.status == 125, "\(missing)")
    }

    @Test func noNewPrivileges() {
        let status = status(["--security-opt", "no-new-privileges"])
        #expect(Host.statusField("NoNewPrivs", in: status) == "1")
    }

    @Test func unshareIsDenied() {
        let result = swrun.runRm(["busybox", "unshare", "-n", "true"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("Operation not permitted"), "\(result)")
    }

    @Test func deviceCgroupDeniesUnlistedDevices() {
        // mknod is allowed (CAP_MKNOD) but opening /dev/mem (1:1) is not in the device allow list.
        let result = swrun.runRm(["busybox", "sh", "-c", "mknod /tmp/m c 1 1 && echo made; cat /tmp/m"])
        #expect(result.stdout == "made\n", "\(result)")
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("Operation not permitted"), "\(result)")
        let allowed = swrun.runRm(["busybox", "sh", "-c", "mknod /tmp/z c 1 5 && head -c 3 /tmp/z | wc -c"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.out.trimmingCharacters(in: .whitespaces) == "3")
    }

    @Test func userNobodyHasNoEffectiveCapabilities() {
        let status = status(["-u", "nobody"])
        #expect(Host.statusField("CapEff", in: status) == "0000000000000000")
        #expect(Host.statusField("CapBnd", in: status) == "00000000a80425fb")
        #expect(Host.statusField("Uid", in: status) == "65534\t65534\t65534\t65534")
    }
}
