import Foundation
import Testing

/// `--log-driver`, `--log-opt` rotation done by the monitor (docker's json-file), and
/// `logs --since/--until/--details` across rotated files.
@Suite(.serialized) struct LogsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    private func logFiles(_ id: String) -> [String] {
        let dir = swrun.root + "/containers/" + id
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("container.log") }.sorted()
    }

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    }

    @Test func maxSizeAndMaxFileRotateAndLogsReadsAcrossFiles() {
        let run = swrun.run(["run", "-d", "--name", "rot", "--log-opt", "max-size=1k", "--log-opt", "max-file=3",
                             "busybox", "sh", "-c", "for i in $(seq 1 200); do echo line$i; done"])
        #expect(run.status == 0, "\(run)")
        #expect(swrun.run(["wait", "rot"]).out == "0")
        let files = logFiles(run.out)
        #expect(files == ["container.log", "container.log.1", "container.log.2"], "\(files)")
        // A file is rotated once it has reached 1000 bytes (decimal, as docker's
        // go-units), before the next line: each holds under 1000 bytes plus one line.
        for file in files.dropFirst() {
            let size = fileSize(swrun.root + "/containers/" + run.out + "/" + file)
            #expect(size >= 1000 && size < 1100, "\(file): \(size)")
        }
        let lines = swrun.run(["logs", "rot"]).lines
        // The newest lines, contiguous and in order, across the three files.
        #expect(lines.last == "line200", "\(lines)")
        #expect(lines.count > 20 && lines.count < 60, "\(lines.count)")
        let first = Int(lines.first?.dropFirst(4) ?? "") ?? 0
        #expect(lines == (first...200).map { "line\($0)" })
        #expect(swrun.run(["logs", "--tail", "3", "rot"]).lines == ["line198", "line199", "line200"])
        let inspect = swrun.run(["inspect", "-f", "{{json .HostConfig.LogConfig}}", "rot"])
        #expect(inspect.out == #"{"Type":"json-file","Config":{"max-file":"3","max-size":"1k"}}"#, "\(inspect)")
    }

    @Test func oneFileIsTruncatedInsteadOfRotated() {
        let run = swrun.run(["run", "--name", "trunc", "--log-opt", "max-size=1k", "busybox", "sh", "-c",
                             "for i in $(seq 1 100); do echo line$i; done"])
        #expect(run.status == 0, "\(run)")
        #expect(run.lines.count == 100, "the client sees everything")
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "trunc"]).out
        #expect(logFiles(id) == ["container.log"])
        let lines = swrun.run(["logs", "trunc"]).lines
        #expect(lines.last == "line100" && lines.count < 20, "\(lines)")
    }

    /// `logs -f` follows the log through rotations: every line the container writes
    /// after the follower started reaches it, in order, though the file it opened was
    /// renamed away several times.
    @Test func followReadsThroughRotation() throws {
        let run = swrun.run(["run", "-d", "--name", "fol", "--log-opt", "max-size=1k", "--log-opt", "max-file=9",
                             "busybox", "sh", "-c",
                             "echo ready; while [ ! -e /go ]; do sleep 0.05; done; for i in $(seq 1 80); do echo line$i; done"])
        #expect(run.status == 0, "\(run)")
        let follower = try swrun.start(["logs", "-f", "fol"])
        #expect(follower.waitForOutput("ready\n"))
        #expect(swrun.run(["exec", "fol", "touch", "/go"]).status == 0)
        let result = follower.wait()
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == ["ready"] + (1...80).map { "line\($0)" }, "\(result)")
        #expect(logFiles(run.out).count > 3)
    }

    @Test func noneDriverWritesNoLogAndLogsRefuses() {
        let run = swrun.run(["run", "--name", "quiet", "--log-driver", "none", "busybox", "echo", "hi"])
        #expect(run.out == "hi", "\(run)")
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "quiet"]).out
        #expect(logFiles(id).isEmpty)
        let logs = swrun.run(["logs", "quiet"])
        #expect(logs.status == 1 && logs.err == "swrun: configured logging driver does not support reading", "\(logs)")
        #expect(swrun.run(["inspect", "-f", "{{.HostConfig.LogConfig.Type}}", "quiet"]).out == "none")
    }

    @Test func badLogOptionsFailBeforeAnythingIsMade() {
        let cases: [([String], String)] = [
            (["--log-driver", "syslog"], "swrun: failed to create task for container: logger: no log driver named 'syslog' is registered"),
            (["--log-opt", "foo=1"], "swrun: unknown log opt 'foo' for json-file log driver"),
            (["--log-opt", "max-size=0"], "swrun: max-size must be a positive number"),
            (["--log-opt", "max-size=ten"], "swrun: invalid size: 'ten'"),
            (["--log-opt", "max-file=0"], "swrun: max-file cannot be less than 1"),
            (["--log-opt", "max-size"], "swrun: invalid key value pair format in log options: max-size"),
        ]
        for (flags, message) in cases {
            let run = swrun.run(["run", "--rm"] + flags + ["busybox", "true"])
            #expect(run.status == 125 && run.err == message, "\(flags): \(run)")
        }
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func detailsShowTheAttributesTheOptionsPick() {
        let run = swrun.run(["run", "--name", "attrs", "--log-opt", "env=FOO,MISSING", "-e", "FOO=a b&c",
                             "busybox", "echo", "x"])
        #expect(run.status == 0, "\(run)")
        #expect(swrun.run(["logs", "--details", "attrs"]).stdout == "FOO=a+b%26c x\n")
        #expect(swrun.run(["logs", "attrs"]).stdout == "x\n")
        let id = swrun.run(["inspect", "-f", "{{.Id}}", "attrs"]).out
        let line = Host.read(swrun.root + "/containers/" + id + "/container.log") ?? ""
        #expect(line.hasPrefix(#"{"log":"x\n","stream":"stdout","attrs":{"FOO":"a b\u0026c"},"time":""#), "\(line)")
        // Without attributes docker still puts the separating space first.
        let plain = swrun.run(["run", "--name", "plain", "busybox", "echo", "y"])
        #expect(plain.status == 0)
        #expect(swrun.run(["logs", "--details", "plain"]).stdout == " y\n")
    }

    @Test func sinceAndUntilSelectByTime() throws {
        // "two" is written only after "one" is in the log, so their times differ (the
        // monitor stamps what one read brings with one time).
        let run = swrun.run(["run", "-d", "--name", "times", "busybox", "sh", "-c",
                             "echo one; while [ ! -e /go ]; do sleep 0.05; done; echo two"])
        #expect(run.status == 0, "\(run)")
        let follower = try swrun.start(["logs", "-f", "times"])
        #expect(follower.waitForOutput("one\n"))
        #expect(swrun.run(["exec", "times", "touch", "/go"]).status == 0)
        #expect(follower.wait().lines == ["one", "two"])
        let stamped = swrun.run(["logs", "-t", "times"]).lines
        #expect(stamped.count == 2, "\(stamped)")
        let secondTime = try #require(stamped.last?.split(separator: " ").first.map(String.init))
        #expect(swrun.run(["logs", "--since", secondTime, "times"]).lines == ["two"])
        #expect(swrun.run(["logs", "--until", secondTime, "times"]).lines == ["one", "two"])
        #expect(swrun.run(["logs", "--since", "2000-01-01", "times"]).lines == ["one", "two"])
        #expect(swrun.run(["logs", "--since", "1h", "--tail", "1", "times"]).lines == ["two"])
        #expect(swrun.run(["logs", "--until", "1h", "times"]).lines.isEmpty)
        #expect(swrun.run(["logs", "--since", "-1h", "times"]).lines.isEmpty, "a negative duration is in the future")
        #expect(swrun.run(["logs", "--until", "946684800", "times"]).lines.isEmpty, "Unix seconds (2000-01-01)")
        let bad = swrun.run(["logs", "--since", "junk", "times"])
        #expect(bad.status == 1 && bad.err == #"swrun: invalid value for --since: failed to parse value as time or duration: "junk""#, "\(bad)")
    }
}
