import Foundation
import Glibc
import Testing

/// `RUN --mount=type=secret` with `swrun build --secret`, and `--mount=type=ssh` with
/// `--ssh`: what the step sees, and that nothing of it stays in the image or the cache key.
@Suite("build: secret and ssh mounts", .serialized)
struct BuildSecretTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func aSecretIsAFileOfTheStepOnlyAndKeysTheCacheByItsID() throws {
        let directory = try swrun.buildContext("secret", dockerfile: """
            FROM busybox
            RUN --mount=type=secret,id=token cat /run/secrets/token > /copied && stat -c '%a %u %g' /run/secrets/token > /mode
            RUN --mount=type=secret,id=token,env=TOKEN,target=/etc/tok,mode=0444,uid=1000,gid=7 \\
                echo "$TOKEN" > /fromenv && stat -c '%a %u %g' /etc/tok > /mode2
            RUN --mount=type=secret,id=absent echo optional > /optional
            RUN --mount=type=secret,id=token,env=ONLYENV test ! -e /run/secrets/token && echo "$ONLYENV" > /onlyenv
            """)
        let secret = swrun.scratch + "/token.txt"
        try "s3cret".write(toFile: secret, atomically: false, encoding: .utf8)
        let result = swrun.build(["-t", "secret", "--secret", "id=token,src=" + secret, directory])
        #expect(result.status == 0, "\(result)")
        let seen = swrun.runRm(["secret", "cat", "/copied", "/mode", "/fromenv", "/mode2", "/optional", "/onlyenv"])
        #expect(seen.lines == ["s3cret400 0 0", "s3cret", "444 1000 7", "optional", "s3cret"], "\(seen)")
        // No mount point, no variable, no value in the image.
        let left = swrun.runRm(["secret", "sh", "-c", "test -e /run/secrets || echo clean; test -e /etc/tok || echo notok; echo ${TOKEN:-none}"])
        #expect(left.lines == ["clean", "notok", "none"], "\(left)")
        let config = swrun.run(["image", "inspect", "--format", "{{json .Config.Env}} {{json .History}}", "secret"]).out
        #expect(!config.contains("s3cret") && !config.contains("TOKEN="), "\(config)")

        // Another value of the secret keeps the cache: only its id counts.
        try "changed".write(toFile: secret, atomically: false, encoding: .utf8)
        let again = swrun.build(["--secret", "id=token,src=" + secret, directory])
        #expect(again.status == 0 && again.stdout.components(separatedBy: "Using cache").count - 1 == 4, "\(again)")
        // The build leaves no secrets tmpfs behind.
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        #expect(!mounts.contains(swrun.root + "/build-tmp/secrets-"), "\(mounts)")
    }

    @Test func aRequiredSecretThatWasNotGivenFailsTheStep() throws {
        let directory = try swrun.buildContext("required", dockerfile: """
            FROM busybox
            RUN --mount=type=secret,id=nope,required=true true
            """)
        let result = swrun.build([directory])
        #expect(result.status == 1 && result.stderr.contains("secret nope: not found"), "\(result)")
        let flag = swrun.build(["--secret", "id=x,src=" + swrun.scratch + "/missing", directory])
        #expect(flag.status == 1 && flag.stderr.contains("failed to stat " + swrun.scratch + "/missing"), "\(flag)")
    }

    @Test func anSSHMountBindsTheAgentSocket() throws {
        let socketPath = swrun.scratch + "/agent.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0 && listen(listener, 1) == 0)

        let directory = try swrun.buildContext("ssh", dockerfile: """
            FROM busybox
            RUN --mount=type=ssh test -S /run/buildkit/ssh_agent.0 && echo "$SSH_AUTH_SOCK" > /agent
            RUN --mount=type=ssh,id=other,target=/tmp/other.sock test -S /tmp/other.sock && echo "$SSH_AUTH_SOCK" > /other
            RUN --mount=type=ssh,id=missing echo "$SSH_AUTH_SOCK" > /missing
            """)
        let result = swrun.build(["-t", "ssh", "--ssh", "default=" + socketPath, "--ssh", "other=" + socketPath, directory])
        #expect(result.status == 0, "\(result)")
        let seen = swrun.runRm(["ssh", "sh", "-c", "cat /agent /other /missing; ls -A /tmp; test -e /run/buildkit || echo clean"])
        #expect(seen.lines == ["/run/buildkit/ssh_agent.0", "/tmp/other.sock", "/run/buildkit/ssh_agent.0", "clean"], "\(seen)")

        let required = try swrun.buildContext("ssh-required", dockerfile: "FROM busybox\nRUN --mount=type=ssh,required=true true\n")
        let missing = swrun.build([required])
        #expect(missing.status == 1 && missing.stderr.contains("no SSH key \"default\" forwarded from the client"), "\(missing)")
    }
}
