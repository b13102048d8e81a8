import ArgumentParser
import Testing
@testable import swrun

/// `swrun exec`'s two readings of a command line: the quick one for common lines and
/// argument-parser's. Where the quick one answers, both must ask for the same thing.
@Suite struct ExecParseTests {
    static let common: [[String]] = [
        ["ctr", "true"], ["ctr"], ["-it", "ctr", "sh"], ["-ti", "ctr", "sh"], ["-dit", "ctr", "sh"],
        ["-i", "-t", "-d", "ctr", "x"], ["-d", "ctr", "sleep", "1"], ["--detach", "ctr", "sleep"],
        ["--interactive", "--tty", "ctr", "sh"], ["--privileged", "ctr", "true"],
        ["-e", "A=1", "-e", "B", "ctr", "env"], ["--env=A=1", "ctr", "env"], ["--env", "A=1", "ctr", "env"],
        ["-ie", "A=1", "ctr", "env"], ["-u", "1000:1000", "ctr", "id"], ["--user=nobody", "ctr", "id"],
        ["-u", "a", "-u", "b", "ctr", "id"], ["-w", "/tmp", "ctr", "pwd"], ["--workdir", "/tmp", "ctr", "pwd"],
        ["ctr", "ls", "-l", "--color"], ["ctr", "sh", "-c", "echo -x"], ["ctr", "-it"], ["ctr", "--help"],
        ["-e", "X=a b", "--user", "0", "-w", "/", "--privileged", "-it", "ctr", "sh", "-c", "exit 3"],
    ]
    static let others: [[String]] = [
        [], ["--help"], ["-h"], ["--env-file", "f", "ctr", "x"], ["--detach-keys", "ctrl-a", "ctr", "x"],
        ["--root", "/x", "ctr", "x"], ["--log-level", "debug", "ctr", "x"], ["-x", "ctr"], ["-e"],
        ["-e", "-x", "ctr", "x"], ["--privileged=true", "ctr", "x"], ["--", "ctr", "x"], ["-eA=1", "ctr", "x"],
        ["-ei", "A=1", "ctr", "x"], ["--user=", "ctr", "x"], ["--group-add", "g", "ctr", "x"], ["-", "ctr"],
        ["ctr", "echo", "--", "x"], ["", "x"],
    ]

    @Test(arguments: common)
    func bothReadingsAgree(_ arguments: [String]) throws {
        let quick = try #require(ExecRequest.parseCommon(arguments), "the quick reading refused \(arguments)")
        let parsed = try Exec.parse(arguments).request()
        #expect(quick.container == parsed.container)
        #expect(quick.options.command == parsed.options.command)
        #expect(quick.options.env == parsed.options.env)
        #expect(quick.options.user == parsed.options.user)
        #expect(quick.options.workdir == parsed.options.workdir)
        #expect(quick.options.privileged == parsed.options.privileged)
        #expect(quick.options.interactive == parsed.options.interactive)
        #expect(quick.options.tty == parsed.options.tty)
        #expect(quick.detach == parsed.detach)
        #expect(quick.detachKeys == parsed.detachKeys)
        #expect(quick.global.root == parsed.global.root)
        #expect(quick.global.logLevel == parsed.global.logLevel)
        #expect(quick.global.config == parsed.global.config)
    }

    @Test(arguments: others)
    func theRestIsLeftToArgumentParser(_ arguments: [String]) {
        #expect(ExecRequest.parseCommon(arguments) == nil)
    }
}
