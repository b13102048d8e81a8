import Foundation
import Glibc
import Testing

/// A swrun command whose standard output the test reads as it comes, through a pipe:
/// each wait is a `poll` on the pipe bounded by a deadline, never a sleep.
final class StreamingCommand {
    let process = Process()
    private let output = Pipe()
    private var buffer = ""

    init(_ swrun: Swrun, _ arguments: [String]) throws {
        if let namespace = swrun.networkNamespace {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            process.arguments = ["--net=" + namespace, "--", Swrun.binary, "--root", swrun.root] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Swrun.binary)
            process.arguments = ["--root", swrun.root] + arguments
        }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Everything read so far.
    var text: String { buffer }

    /// Reads until the output holds `count` lines containing `text` (or `timeout`
    /// seconds pass, or the pipe closes); true when it does.
    @discardableResult
    func waitFor(_ text: String, count: Int = 1, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = output.fileHandleForReading.fileDescriptor
        while buffer.components(separatedBy: "\n").filter({ $0.contains(text) }).count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return false }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fd, &chunk, chunk.count)
            guard n > 0 else { return false }
            buffer += String(decoding: chunk[..<n], as: UTF8.self)
        }
        return true
    }

    /// Ends it and waits: SIGKILL, as the test process hands its children a mask
    /// that blocks SIGINT and SIGTERM.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// `events`: what the store records as containers and images change, docker's line and
/// JSON, filters, a time range, and following live.
@Suite("events", .serialized)
struct EventsTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// `events` over everything recorded until now, with `arguments`.
    func history(_ arguments: [String]) -> CommandResult {
        swrun.run(["events", "--since", "0", "--until", String(Int(Date().timeIntervalSince1970) + 1)] + arguments)
    }

    @Test func aContainersLifeIsRecordedInOrder() {
        let trap = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
        #expect(swrun.run(["run", "-d", "--network", "none", "--name", "life", "busybox"] + trap).status == 0)
        #expect(swrun.run(["pause", "life"]).status == 0)
        #expect(swrun.run(["unpause", "life"]).status == 0)
        #expect(swrun.run(["rename", "life", "life2"]).status == 0)
        #expect(swrun.run(["stop", "life2"]).status == 0)
        #expect(swrun.run(["rm", "life2"]).status == 0)
        let result = history(["--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == [
            "create life", "start life", "pause life", "unpause life", "rename life2", "kill life2", "die life2", "stop life2", "destroy life2",
        ], "\(result)")
        let details = history(["--filter", "event=kill", "--filter", "event=rename", "--format", "{{json .Actor.Attributes}}"])
        #expect(details.lines == [
            #"{"image":"busybox","name":"life2","oldName":"/life"}"#, #"{"image":"busybox","name":"life2","signal":"15"}"#,
        ], "\(details)")
        // docker's die: the exit code, and how long it ran in whole seconds.
        let die = history(["--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.execDuration}}"])
        #expect(die.lines.count == 1 && die.out.wholeMatch(of: #/0 \d+/#) != nil, "\(die)")
    }

    @Test func theDefaultLineIsDockers() throws {
        #expect(swrun.run(["run", "--network", "none", "--name", "plain", "busybox", "true"]).status == 0)
        let result = history(["--filter", "event=create"])
        #expect(result.status == 0, "\(result)")
        let line = try #require(result.lines.first)
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container create [0-9a-f]{64} \(image=busybox, name=plain\)$/#
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
    }

    /// No client stays attached to a detached container: its monitor records `die`.
    @Test func dieIsRecordedWithoutAClient() throws {
        #expect(swrun.run(["run", "-d", "--network", "none", "--name", "alone", "busybox", "sh", "-c", "exit 3"]).status == 0)
        #expect(swrun.run(["wait", "alone"]).out == "3")
        let result = history(["--filter", "container=alone", "--filter", "event=die", "--format", "json"])
        let line = try #require(result.lines.first, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["Type"] as? String == "container")
        #expect(json["Action"] as? String == "die")
        #expect(json["scope"] as? String == "local")
        #expect(json["timeNano"] is Int)
        let actor = try #require(json["Actor"] as? [String: Any])
        var attributes = try #require(actor["Attributes"] as? [String: String])
        #expect(attributes.removeValue(forKey: "execDuration").flatMap { Int($0) } != nil, "\(attributes)")
        #expect(attributes == ["exitCode": "3", "image": "busybox", "name": "alone"])
    }

    @Test func imageEventsAreRecorded() {
        // The first run seeds busybox into the store.
        #expect(swrun.run(["run", "--rm", "--network", "none", "busybox", "true"]).status == 0)
        #expect(swrun.run(["tag", "busybox", "mine:1"]).status == 0)
        #expect(swrun.run(["rmi", "mine:1"]).status == 0)
        let result = history(["--filter", "type=image", "--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        #expect(result.lines.contains("tag mine:1"), "\(result)")
        #expect(result.lines.contains { $0.hasPrefix("untag sha256:") }, "\(result)")
    }

    @Test func untilInThePastEndsAtOnce() {
        #expect(swrun.run(["run", "--rm", "--network", "none", "busybox", "true"]).status == 0)
        let result = swrun.run(["events", "--until", "1970-01-02"], timeout: 20)
        #expect(result.status == 0 && !result.timedOut && result.out.isEmpty, "\(result)")
    }

    @Test func badFlagsAreRefused() {
        let filter = swrun.run(["events", "--filter", "colour=red", "--until", "0"])
        #expect(filter.status != 0 && filter.err.contains("invalid filter 'colour'"), "\(filter)")
        let time = swrun.run(["events", "--since", "soon", "--until", "0"])
        #expect(time.status != 0 && time.err.contains("failed to parse value as time or duration"), "\(time)")
    }

    /// Following: the first container's events come from history, the second's only
    /// while `events` watches the log.
    @Test func followsLiveUntilInterrupted() throws {
        #expect(swrun.run(["run", "--rm", "--network", "none", "--name", "before", "busybox", "true"]).status == 0)
        let events = try StreamingCommand(swrun, ["events", "--since", "0", "--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        #expect(events.waitFor("destroy before"), "\(events.text)")
        #expect(swrun.run(["run", "--rm", "--network", "none", "--name", "after", "busybox", "true"]).status == 0)
        #expect(events.waitFor("destroy after"), "\(events.text)")
        #expect(events.process.isRunning)
        events.stop()
        let lines = events.text.split(separator: "\n").filter { $0.hasSuffix(" after") }
        #expect(lines == ["create after", "start after", "die after", "destroy after"], "\(events.text)")
    }
}
