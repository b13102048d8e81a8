import ArgumentParser
import Testing
@testable import swrun

/// `swrun run`'s two readings of a command line: the quick one for common lines and
/// argument-parser's. Where the quick one answers, both must ask for the same thing.
@Suite struct RunParseTests {
    static let common: [[String]] = [
        ["busybox"], ["busybox", "true"], ["--rm", "busybox", "true"], ["-it", "--rm", "debian", "bash"],
        ["--rm", "-it", "debian", "bash"], ["-d", "busybox", "sleep", "60"], ["-dit", "busybox", "sh"],
        ["--detach", "--interactive", "--tty", "busybox"], ["--name", "web", "-d", "busybox", "httpd", "-f"],
        ["--name=web", "busybox"], ["-e", "A=1", "-e", "B", "--env=C=3", "busybox", "env"],
        ["-u", "1000:1000", "-w", "/tmp", "busybox", "id"], ["--user", "nobody", "--workdir=/", "busybox"],
        ["-h", "box", "busybox", "hostname"], ["--hostname", "box", "busybox"], ["--entrypoint", "sh", "busybox", "-c", "x"],
        ["--network", "host", "busybox"], ["--net=none", "busybox"], ["-v", "/tmp:/data:ro", "busybox", "ls", "/data"],
        ["--volume", "/a:/b", "-v", "/c:/d", "busybox"], ["--tmpfs", "/run:size=1m", "busybox"],
        ["--read-only", "--init", "--privileged", "busybox"], ["-ie", "A=1", "busybox", "env"],
        ["busybox", "ls", "-l", "--color"], ["busybox", "sh", "-c", "echo -x"], ["busybox", "--rm"],
        ["--name", "a", "--name", "b", "busybox"],
    ]
    static let others: [[String]] = [
        [], ["--help"], ["-m", "64m", "busybox"], ["--memory", "64m", "busybox"], ["--cap-add", "NET_ADMIN", "busybox"],
        ["--security-opt", "seccomp=unconfined", "busybox"], ["--env-file", "f", "busybox"], ["--pids-limit", "5", "busybox"],
        ["--detach-keys", "ctrl-a", "busybox"], ["--root", "/x", "busybox"], ["-x", "busybox"], ["-e", "-x", "busybox"],
        ["--rm=true", "busybox"], ["--", "busybox"], ["-eA=1", "busybox"], ["-ei", "A=1", "busybox"], ["--name=", "busybox"],
        ["busybox", "echo", "--", "x"], ["", "x"], ["--group-add", "g", "busybox"], ["--ulimit", "nofile=5", "busybox"],
    ]

    @Test(arguments: common)
    func bothReadingsAgree(_ arguments: [String]) throws {
        let quick = try #require(RunRequest.parseCommon(arguments), "the quick reading refused \(arguments)")
        let parsed = try Run.parse(arguments).request()
        #expect(quick.image == parsed.image)
        #expect(quick.options == parsed.options)
        #expect(quick.detach == parsed.detach)
        #expect(quick.detachKeys == parsed.detachKeys)
        #expect(quick.global.root == parsed.global.root)
        #expect(quick.global.logLevel == parsed.global.logLevel)
        #expect(quick.global.config == parsed.global.config)
    }

    @Test(arguments: others)
    func theRestIsLeftToArgumentParser(_ arguments: [String]) {
        #expect(RunRequest.parseCommon(arguments) == nil)
    }
}
