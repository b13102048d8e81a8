import Foundation
import Testing

/// `events` beyond a container's life: docker's exec events, the container's labels
/// in every event's attributes, and times in the local zone.
@Suite("events: exec, labels, local time", .serialized)
struct EventsExecTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// `events` over everything recorded until now, with `arguments`.
    func history(_ arguments: [String]) -> CommandResult {
        swrun.run(["events", "--since", "0", "--until", String(Int(Date().timeIntervalSince1970) + 1)] + arguments)
    }

    /// The attributes of each event `history` prints.
    func attributes(_ arguments: [String]) throws -> [[String: String]] {
        let result = history(arguments + ["--format", "{{json .Actor.Attributes}}"])
        #expect(result.status == 0, "\(result)")
        return try result.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String], "\($0)") }
    }

    func startSleeper(_ name: String, _ flags: [String] = [], image: String = "busybox") {
        let started = swrun.run(["run", "-d", "--network", "none", "--name", name] + flags + [image, "sleep", "600"])
        #expect(started.status == 0, "\(started)")
    }

    @Test func execRecordsCreateStartAndDie() throws {
        startSleeper("ex", ["--label", "tier=web"])
        defer { swrun.run(["rm", "-f", "ex"]) }
        #expect(swrun.run(["exec", "ex", "sh", "-c", "exit 3"]).status == 3)
        let actions = history(["--filter", "container=ex", "--format", "{{.Action}}"])
        #expect(actions.lines == ["create", "start", "exec_create: sh -c exit 3", "exec_start: sh -c exit 3", "exec_die"], "\(actions)")
        let execs = try attributes(["--filter", "event=exec_create", "--filter", "event=exec_start", "--filter", "event=exec_die"])
        #expect(execs.count == 3, "\(execs)")
        let id = try #require(execs.first?["execID"])
        #expect(id.wholeMatch(of: #/[0-9a-f]{64}/#) != nil, "\(id)")
        for attributes in execs {
            #expect(attributes["execID"] == id && attributes["name"] == "ex" && attributes["image"] == "busybox" && attributes["tier"] == "web",
                    "\(attributes)")
        }
        #expect(execs.last?["exitCode"] == "3", "\(execs)")
        // docker's filter: exec_die alone, exactly; a second exec has an ID of its own.
        #expect(swrun.run(["exec", "ex", "true"]).status == 0)
        let dies = try attributes(["--filter", "event=exec_die"])
        #expect(dies.map { $0["exitCode"] } == ["3", "0"], "\(dies)")
        #expect(Set(dies.compactMap { $0["execID"] }).count == 2, "\(dies)")
        let noArguments = history(["--filter", "event=exec_start", "--format", "[{{.Action}}]"])
        #expect(noArguments.lines.last == "[exec_start: true ]", "\(noArguments)")
    }

    /// A detached exec's client is gone when its process ends: its monitor records `exec_die`.
    @Test func aDetachedExecsDieIsRecorded() throws {
        startSleeper("bg")
        defer { swrun.run(["rm", "-f", "bg"]) }
        #expect(swrun.run(["exec", "-d", "bg", "sh", "-c", "exit 4"]).status == 0)
        let events = try StreamingCommand(swrun, ["events", "--since", "0", "--filter", "event=exec_die",
                                                  "--format", "{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}"])
        defer { events.stop() }
        #expect(events.waitFor("bg 4"), "\(events.text)")
    }

    /// Detaching from an exec (ctrl-p ctrl-q) is docker's `exec_detach`; the process runs on.
    @Test func detachingFromAnExecIsRecorded() throws {
        startSleeper("dt")
        defer { swrun.run(["rm", "-f", "dt"]) }
        let term = try Terminal("\(Swrun.binary) --root \(swrun.root) exec -it dt sh", base: swrun.base)
        defer { term.close() }
        #expect(term.waitFor("/ #"), "\(term.screen())")
        term.send("C-p", "C-q")
        #expect(term.waitFor("rc=0"), "\(term.screen())")
        let execs = try attributes(["--filter", "event=exec_start", "--filter", "event=exec_detach", "--filter", "event=exec_die"])
        #expect(execs.count == 2 && execs.allSatisfy { $0["execID"] == execs.first?["execID"] && $0["name"] == "dt" }, "\(execs)")
        #expect(history(["--filter", "event=exec_detach", "--format", "{{.Action}}"]).lines == ["exec_detach"])
    }

    /// docker's attributes: the container's labels (the image's too) with `image` and
    /// `name`, on every container event; `--filter label=` matches them.
    @Test func labelsAreInEveryContainerEvent() throws {
        let context = try swrun.buildContext("labelled", dockerfile: "FROM busybox\nLABEL from.image=yes tier=base\n")
        let built = swrun.build(["-t", "labelled", context])
        #expect(built.status == 0, "\(built)")
        startSleeper("lab", ["--label", "tier=web"], image: "labelled")
        startSleeper("plain")
        #expect(swrun.run(["rm", "-f", "lab", "plain"]).status == 0)
        let labelled = try attributes(["--filter", "container=lab"])
        #expect(labelled.count >= 4, "\(labelled)")
        for attributes in labelled {
            #expect(attributes["from.image"] == "yes" && attributes["tier"] == "web" && attributes["name"] == "lab"
                    && attributes["image"] == "labelled", "\(attributes)")
        }
        let byLabel = history(["--filter", "label=tier=web", "--format", "{{.Action}} {{.Actor.Attributes.name}}"])
        #expect(byLabel.lines.first == "create lab" && byLabel.lines.last == "destroy lab", "\(byLabel)")
        #expect(!byLabel.lines.contains { $0.hasSuffix(" plain") }, "\(byLabel)")
        let byKey = history(["--filter", "type=container", "--filter", "label=from.image", "--format", "{{.Actor.Attributes.name}}"])
        #expect(Set(byKey.lines) == ["lab"], "\(byKey)")
    }

    /// `swrun events` with `TZ` in its environment (as docker's CLI reads it).
    func historyAt(zone: String, since: String, _ arguments: [String]) -> (status: Int32, stdout: String) {
        Host.run("/usr/bin/env", ["TZ=" + zone, Swrun.binary, "--root", swrun.root, "events", "--since", since,
                                  "--until", String(Int(Date().timeIntervalSince1970) + 1)] + arguments)
    }

    /// Times print in the local zone, and `--since` without a zone is local time.
    @Test func timesFollowTheLocalZone() throws {
        #expect(swrun.run(["run", "--rm", "--network", "none", "--name", "tz", "busybox", "true"]).status == 0)
        // POSIX: "UTC-2" is two hours east of UTC.
        let line = historyAt(zone: "UTC-2", since: "0", ["--filter", "event=create"]).stdout
        let pattern = #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+02:00 container create [0-9a-f]{64} \(image=busybox, name=tz\)\n$/#
        #expect(line.wholeMatch(of: pattern) != nil, "\(line)")
        let utc = historyAt(zone: "UTC", since: "0", ["--filter", "event=create"]).stdout
        #expect(utc.contains(".") && utc.contains("Z container create"), "\(utc)")

        let nanos = try #require(Int64(history(["--filter", "event=create", "--format", "{{.TimeNano}}"]).out))
        let seconds = nanos / 1_000_000_000
        /// The wall time two hours east of UTC, without a zone.
        func wallPlusTwo(_ seconds: Int64) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(secondsFromGMT: 7200)
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
        let format = ["--filter", "event=create", "--format", "{{.Action}}"]
        #expect(historyAt(zone: "UTC-2", since: wallPlusTwo(seconds), format).stdout == "create\n")
        #expect(historyAt(zone: "UTC-2", since: wallPlusTwo(seconds + 1), format).stdout == "")
    }
}
