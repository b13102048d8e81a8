import Foundation
import Testing

/// `swrun run`: exit codes as docker reports them, output, and the images that ship.
@Suite("run: exit codes and output", .serialized)
struct RunBasicsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func containerExitCodeAndStdoutPassThrough() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo hi; exit 3"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout == "hi\n")
        #expect(result.stderr == "")
    }

    @Test func stderrOfTheContainerReachesStderr() {
        let result = swrun.runRm(["busybox", "sh", "-c", "echo oops >&2"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr == "oops\n")
    }

    @Test func stdinIsForwardedWithInteractive() {
        let result = swrun.runRm(["-i", "busybox", "cat"], stdin: Data("from stdin\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from stdin\n")
    }

    @Test func stdinIsNotAttachedWithoutInteractive() {
        // As docker: without -i the container's stdin is empty.
        let result = swrun.runRm(["busybox", "cat"], stdin: Data("from stdin\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "")
    }

    @Test func missingCommandExits127WithOneLine() {
        let result = swrun.runRm(["busybox", "nosuchcmd"])
        #expect(result.status == 127, "\(result)")
        #expect(result.stdout == "")
        #expect(result.err.split(separator: "\n").count == 1, "\(result)")
        #expect(result.err.contains("nosuchcmd"), "\(result)")
    }

    @Test func nonExecutableFileExits126() {
        let result = swrun.runRm(["busybox", "/etc/passwd"])
        #expect(result.status == 126, "\(result)")
        #expect(result.err.split(separator: "\n").count == 1, "\(result)")
        #expect(result.err.contains("/etc/passwd"), "\(result)")
    }

    @Test func unknownImageExits125() {
        let result = swrun.runRm(["nosuchimage", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.err.contains("nosuchimage"), "\(result)")
        #expect(swrun.containerDirectories().isEmpty)
    }

    @Test func unknownFlagExits125() {
        let result = swrun.run(["run", "--no-such-flag", "busybox", "true"])
        #expect(result.status == 125, "\(result)")
        #expect(result.stderr.contains("--no-such-flag"), "\(result)")
    }

    @Test func selfKillBySignalNineExits137() {
        // PID 1 of a PID namespace ignores SIGKILL from inside it, so the shell runs under --init.
        let result = swrun.runRm(["--init", "busybox", "sh", "-c", "kill -9 $$; sleep 5"])
        #expect(result.status == 137, "\(result)")
    }

    @Test func childKilledBySignalReportsThroughTheShell() {
        // Without --init: the killed child is not PID 1; the shell reports 128+9 as its own status.
        let result = swrun.runRm(["busybox", "sh", "-c", "sh -c 'kill -9 $$'; echo status=$?"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "status=137\n")
    }

    @Test func globalRootFlagWorksAfterTheSubcommand() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Swrun.binary)
        process.arguments = ["run", "--rm", "--root", swrun.root, "busybox", "true"]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        #expect(throws: Never.self) { try process.run() }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Host.exists(swrun.root + "/layers"))
    }

    @Test func versionAndInfoSucceed() {
        let version = swrun.run(["version"])
        #expect(version.status == 0, "\(version)")
        #expect(!version.out.isEmpty)
        // The short answer (before argument parsing) and argument-parser's agree.
        let short = Host.run(Swrun.binary, ["--version"])
        let dashV = Host.run(Swrun.binary, ["-v"])
        let parsed = swrun.run(["--version"])
        #expect(short.status == 0 && parsed.status == 0 && dashV.status == 0, "\(short) \(parsed) \(dashV)")
        #expect(short.stdout.hasPrefix("swrun version "), "\(short)")
        #expect(short.stdout == parsed.stdout && short.stdout == dashV.stdout, "\(short) \(parsed) \(dashV)")
        let info = swrun.run(["info"])
        #expect(info.status == 0, "\(info)")
        #expect(info.stdout.contains(swrun.root), "\(info)")
    }

    @Test func debianImageRunsUnderEveryTag() {
        let release = swrun.runRm(["debian", "cat", "/etc/os-release"])
        #expect(release.status == 0, "\(release)")
        #expect(release.stdout.contains("VERSION_CODENAME=bookworm"), "\(release)")
        for tag in ["debian:bookworm", "debian:latest"] {
            let result = swrun.runRm([tag, "sh", "-c", "echo $0; . /etc/os-release; echo $ID", "ok"])
            #expect(result.status == 0, "\(tag): \(result)")
            #expect(result.stdout == "ok\ndebian\n", "\(tag)")
        }
        // The debian fixture ships /etc/hostname and /etc/resolv.conf; the runtime's files
        // are mounted over them and never land in the container's upper dir.
        let kept = swrun.run(["run", "--name", "deb", "debian", "sh", "-c", "cat /etc/hostname; echo 10.9.8.7 x >> /etc/hosts"])
        #expect(kept.status == 0, "\(kept)")
        let ids = swrun.containerIDs()
        #expect(ids.count == 1)
        let layers = swrun.layerDirectories()
        if let id = ids.first, let layer = layers.first {
            #expect(kept.stdout == String(id.prefix(12)) + "\n")
            let upper = swrun.root + "/containers/" + id + "/upper/etc/"
            let lower = swrun.root + "/layers/" + layer + "/etc/"
            let runtime = swrun.root + "/containers/" + id + "/"
            for name in ["hostname", "hosts", "resolv.conf"] {
                let content = Host.read(upper + name) ?? ""
                #expect(content == "" || content == Host.read(lower + name), "upper/etc/\(name) holds: \(content)")
                if Host.read(lower + name) != Host.read(runtime + name) {
                    #expect(content != Host.read(runtime + name), "the runtime's \(name) reached the upper dir")
                }
            }
            // Mounting over a file of the image must not copy it up (docker diff shows nothing).
            for name in ["hostname", "resolv.conf"] where Host.exists(lower + name) {
                #expect(!Host.exists(upper + name), "lower /etc/\(name) was copied up into the upper dir")
            }
        }
    }
}
