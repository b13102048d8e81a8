import Foundation
import SwrunOS
import Testing

/// The store's event log: its line encoding, appends and the rotation that bounds it.
@Suite struct EventLogTests {
    @Test func aLineReadsBackAsTheEvent() throws {
        let event = RecordedEvent(type: "container", action: "die", actorID: "abc",
                                  attributes: ["name": "x", "image": "busy\tbox", "weird": "a\\b\nc=d"], timeNanos: 1_700_000_000_123_456_789)
        let line = event.line
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().split(separator: "\n").count == 1)
        #expect(RecordedEvent(line: line.dropLast()[...]) == event)
        #expect(RecordedEvent(line: "not an event") == nil)
    }

    @Test func appendedEventsAreReadOldestFirst() throws {
        let root = try temporaryDirectory()
        defer { try? FileIO.removeTree(root) }
        let log = EventLog(root: root)
        #expect(try log.read().isEmpty)
        try log.append([RecordedEvent(type: "image", action: "pull", actorID: "busybox:latest", timeNanos: 1)])
        try log.append([RecordedEvent(type: "image", action: "tag", actorID: "sha256:1", timeNanos: 2)])
        #expect(try log.read().map(\.action) == ["pull", "tag"])
    }

    @Test func theLogKeepsTheNewestPartOnly() throws {
        let root = try temporaryDirectory()
        defer { try? FileIO.removeTree(root) }
        let log = EventLog(root: root)
        let filler = String(repeating: "x", count: 1000)
        let count = 3 * EventLog.rotationSize / 1000
        for i in 0..<count {
            try log.append([RecordedEvent(type: "container", action: "start", actorID: String(i), attributes: ["f": filler], timeNanos: Int64(i))])
        }
        let kept = try log.read()
        let total = (try FileIO.readFile(log.currentPath)).count + (try FileIO.readFile(log.previousPath)).count
        #expect(total <= 2 * EventLog.rotationSize)
        #expect(kept.last?.actorID == String(count - 1))
        #expect(kept.count < count)
        // What is kept is the newest run, without gaps.
        #expect(kept.map(\.timeNanos) == Array(Int64(count - kept.count)..<Int64(count)))
    }

    @Test func aLineStillBeingWrittenWaits() {
        let bytes = Array("1\tcontainer\tstart\tabc\n2\tcontainer\tst".utf8)
        let (events, consumed) = EventLog.parse(bytes[...])
        #expect(events.map(\.action) == ["start"])
        #expect(consumed == "1\tcontainer\tstart\tabc\n".utf8.count)
    }

    @Test func theMonitorsEventsCarryTheContainersAttributes() throws {
        let root = try temporaryDirectory()
        defer { try? FileIO.removeTree(root) }
        let directory = root + "/containers/" + String(repeating: "c", count: 64)
        try FileIO.makeDirectories(directory)
        let events = ContainerEvents(containerDirectory: directory)
        try events.writeAttributes(["name": "web", "image": "busybox"])
        events.recordExit(code: 137, oomKilled: true, ranSeconds: 12)
        let recorded = try EventLog(root: root).read()
        #expect(recorded.map(\.action) == ["oom", "die"])
        #expect(recorded.last?.attributes == ["name": "web", "image": "busybox", "exitCode": "137", "execDuration": "12"])
        #expect(recorded.last?.actorID == String(repeating: "c", count: 64))
    }

    /// docker's exec events: the command in the action (a space after it even with no
    /// arguments), `execID` on all three, `exitCode` on `exec_die`.
    @Test func execEventsAreDockers() throws {
        let root = try temporaryDirectory()
        defer { try? FileIO.removeTree(root) }
        let directory = root + "/containers/" + String(repeating: "e", count: 64)
        try FileIO.makeDirectories(directory)
        let events = ContainerEvents(containerDirectory: directory)
        try events.writeAttributes(["name": "web", "image": "busybox", "tier": "front"])
        events.recordExecStart(execID: "x1", command: ["sh", "-c", "exit 3"], attributes: ["name": "web", "image": "busybox", "tier": "front"])
        events.recordExecDie(execID: "x1", code: 3)
        let recorded = try EventLog(root: root).read()
        #expect(recorded.map(\.action) == ["exec_create: sh -c exit 3", "exec_start: sh -c exit 3", "exec_die"])
        #expect(recorded.allSatisfy { $0.attributes["execID"] == "x1" && $0.attributes["tier"] == "front" && $0.type == "container" })
        #expect(recorded.last?.attributes == ["name": "web", "image": "busybox", "tier": "front", "execID": "x1", "exitCode": "3"])
        #expect(ContainerEvents.execAction("exec_create", command: ["ls"]) == "exec_create: ls ")
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "swrun-events-" + UUID().uuidString
        try FileIO.makeDirectories(path)
        return path
    }
}
