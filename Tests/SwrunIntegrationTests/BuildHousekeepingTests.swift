import Foundation
import Glibc
import Testing

/// The small edges of `swrun build`: what `image inspect` and `images` show of built
/// images, the scratch space a killed build leaves, a `--chown` that names nobody.
@Suite("build: inspect, images -a, leftovers, --chown", .serialized)
struct BuildHousekeepingTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func inspectShowsHealthcheckShellAndOnBuild() throws {
        let directory = try swrun.buildContext("health", dockerfile: """
            FROM busybox
            HEALTHCHECK --interval=5s --retries=2 CMD true
            SHELL ["/bin/sh", "-ec"]
            ONBUILD RUN echo hi
            """)
        #expect(swrun.build(["-t", "health", directory]).status == 0)
        let format = "{{json .Config.Healthcheck}} {{json .Config.Shell}} {{json .Config.OnBuild}}"
        let shown = swrun.run(["image", "inspect", "--format", format, "health"])
        #expect(shown.out == #"{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":2} ["/bin/sh","-ec"] ["RUN echo hi"]"#, "\(shown)")
    }

    @Test func imagesHidesIntermediateStepsUnlessAll() throws {
        let directory = try swrun.buildContext("steps", dockerfile: "FROM busybox\nRUN echo 1 > /one\nRUN echo 2 > /two\nENV X=1\n")
        #expect(swrun.build(["-t", "steps", directory]).status == 0)
        let listed = swrun.run(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        #expect(Set(listed.lines) == ["busybox:latest", "steps:latest"], "\(listed)")
        let all = swrun.run(["images", "-a", "--format", "{{.Repository}}:{{.Tag}}"])
        #expect(all.lines.filter { $0 == "<none>:<none>" }.count == 2, "\(all)")

        // An untagged build's result has no child: listed, as docker's <none> is.
        let untagged = try swrun.buildContext("untagged", dockerfile: "FROM busybox\nRUN echo 3 > /three\n")
        #expect(swrun.build([untagged]).status == 0)
        let again = swrun.run(["images", "--format", "{{.Repository}}:{{.Tag}}"])
        #expect(again.lines.filter { $0 == "<none>:<none>" }.count == 1, "\(again)")
    }

    @Test func aBuildSweepsWhatAKilledBuildLeftUnlessABuildRuns() throws {
        let directory = try swrun.buildContext("sweep", dockerfile: "FROM busybox\nCOPY Dockerfile /\n")
        #expect(swrun.build([directory]).status == 0)
        let scratch = swrun.root + "/build-tmp"
        let leftover = scratch + "/copy-0123456789abcdef"
        try FileManager.default.createDirectory(atPath: leftover + "/etc", withIntermediateDirectories: true)
        try "x".write(toFile: leftover + "/etc/file", atomically: false, encoding: .utf8)

        // A running build holds the scratch root shared: nothing of it is swept.
        let lock = open(scratch + "/.lock", O_RDONLY | O_CLOEXEC)
        #expect(lock >= 0 && flock(lock, LOCK_SH) == 0)
        #expect(swrun.build([directory]).status == 0)
        #expect(FileManager.default.fileExists(atPath: leftover + "/etc/file"))
        close(lock)

        #expect(swrun.build([directory]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    @Test func chownOfAnUnknownUserFailsInOneLine() throws {
        let directory = try swrun.buildContext("chown", dockerfile: "FROM busybox\nCOPY --chown=nosuchuser Dockerfile /x\n")
        let result = swrun.build([directory])
        #expect(result.status == 1, "\(result)")
        let errors = result.err.components(separatedBy: "\n")
        #expect(errors.count == 1 && errors[0].contains("unable to find user nosuchuser: no matching entries in passwd file"), "\(result)")
    }
}
