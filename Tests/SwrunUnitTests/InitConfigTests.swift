import Testing
@testable import SwrunOS

@Suite struct InitConfigTests {
    @Test func roundTripsEveryField() throws {
        var config = InitConfig()
        config.lowerDirs = ["/l/2", "/l/1"]
        config.upperDir = "/c/upper"
        config.workDir = "/c/work"
        config.rootfs = "/c/rootfs"
        config.readonlyRootfs = true
        config.namespaces = 0x7e02_0000
        config.cgroupProcsFiles = ["/sys/fs/cgroup/memory/swrun/x/cgroup.procs"]
        config.cgroupDirectory = "/sys/fs/cgroup/swrun/x"
        config.cgroupV1Controllers = ["memory", "cpu,cpuacct"]
        config.hostname = "abc"
        config.mounts = [InitMount(kind: .bind, source: "/h", destination: "/c", flags: MountFlags.readOnly, isFile: true),
                         InitMount(kind: .filesystem, source: "tmpfs", destination: "/t", fsType: "tmpfs", flags: 14, data: "size=1k")]
        config.maskedPaths = ["/proc/kcore"]
        config.readonlyPaths = ["/proc/sys"]
        config.privileged = true
        config.args = ["sh", "-c", "echo ü"]
        config.env = ["A=b"]
        config.cwd = "/w"
        config.user = "1000:1000"
        config.additionalGroups = ["wheel"]
        config.rlimits = [InitRlimit(resource: 7, soft: 512, hard: UInt64.max)]
        config.noNewPrivileges = true
        config.capabilities = 0xa80425fb
        config.seccompFilter = [1, 2, 3, 4, 5, 6, 7, 8]
        config.useInit = true
        config.tty = true
        config.terminalRows = 40
        config.terminalColumns = 120
        config.openStdin = true
        config.logPath = "/c/container.log"
        config.exitPath = "/c/exit"
        config.oomEventsFile = "/sys/fs/cgroup/memory/x/memory.oom_control"
        config.cgroupDirectories = ["/sys/fs/cgroup/pids/x"]
        config.autoRemoveDirectory = "/c"
        config.joinPid = 4242
        config.joinContainerID = "abc"
        #expect(try InitConfig(decoding: config.encoded()) == config)
    }

    @Test func truncatedMessagesAreRejected() {
        var config = InitConfig()
        config.args = ["true"]
        let bytes = config.encoded()
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            #expect(throws: SwrunError.self) { try InitConfig(decoding: Array(bytes.prefix(cut))) }
        }
    }

    @Test(arguments: [InitReport.started(pid: 42), .exited(status: 0x0900), .failed(step: "exec", errno: 2, message: "exec: \"x\": not found"),
                      .output(stream: 2, data: [0, 1, 255])])
    func reportsRoundTrip(report: InitReport) throws {
        #expect(try InitReport(decoding: report.encoded()) == report)
    }

    @Test(arguments: [ClientMessage.stdin([1, 2, 3]), .closeStdin, .resize(rows: 50, columns: 132), .attach(stdin: true), .attach(stdin: false), .detach])
    func clientMessagesRoundTrip(message: ClientMessage) throws {
        #expect(try ClientMessage(decoding: message.encoded()) == message)
    }
}
