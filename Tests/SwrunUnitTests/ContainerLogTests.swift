import Foundation
import Glibc
import SwrunRuntime
import Testing

@Suite("json-file log reader")
final class ContainerLogTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "container-log-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func line(_ log: String, _ stream: String = "stdout", time: String = "2026-11-22T17:11:14.123456789Z") -> String {
        let escaped = log.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
        return "{\"log\":\"\(escaped)\",\"stream\":\"\(stream)\",\"time\":\"\(time)\"}\n"
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    private func append(_ path: String, _ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test func readsEveryEntryWithItsStream() throws {
        let path = try write("all.log", line("hi\n") + line("oops\n", "stderr") + line("bye\n"))
        let entries = try ContainerLog.entries(path)
        #expect(entries.map(\.log) == ["hi\n", "oops\n", "bye\n"])
        #expect(entries.map(\.stream) == [.stdout, .stderr, .stdout])
        #expect(entries.first?.time == "2026-11-22T17:11:14.123456789Z")
    }

    @Test func missingFileHasNoEntries() throws {
        #expect(try ContainerLog.entries(directory + "/none.log").isEmpty)
    }

    @Test(arguments: [0, 1, 2, 5, 100])
    func tailKeepsTheLastEntries(count: Int) throws {
        let all = (0..<5).map { "line \($0)\n" }
        let path = try write("tail-\(count).log", all.map { line($0) }.joined())
        #expect(try ContainerLog.entries(path, tail: count).map(\.log) == Array(all.suffix(count)))
    }

    @Test func tailReadsBackwardsAcrossChunks() throws {
        // Lines longer than the 64 KiB read chunk and many of them.
        let long = String(repeating: "x", count: 70_000) + "\n"
        let lines = (0..<50).map { "short \($0)\n" } + [long, "end\n"]
        let path = try write("chunks.log", lines.map { line($0) }.joined())
        #expect(try ContainerLog.entries(path, tail: 2).map(\.log) == [long, "end\n"])
        #expect(try ContainerLog.entries(path, tail: 3).map(\.log) == ["short 49\n", long, "end\n"])
        #expect(try ContainerLog.entries(path).count == 52)
    }

    @Test func partialLastLineIsLeftOut() throws {
        let path = try write("partial.log", line("done\n") + "{\"log\":\"half")
        #expect(try ContainerLog.entries(path).map(\.log) == ["done\n"])
        #expect(try ContainerLog.entries(path, tail: 1).map(\.log) == ["done\n"])
    }

    @Test func decodesEscapesAndUnicode() throws {
        let text = #"{"log":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \t\r\n\u003c","stream":"stdout","time":"t"}"# + "\n"
            + "{\"log\":\"raw é 😀\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n"
            + #"{"log":"lone \ud800!","stream":"stdout","time":"t"}"# + "\n"
        let path = try write("escapes.log", text)
        let entries = try ContainerLog.entries(path)
        #expect(entries.map(\.log) == ["café 😀 \"q\" \\ / \t\r\n<", "raw é 😀\n", "lone \u{FFFD}!"])
    }

    @Test func skipsLinesThatAreNotEntriesAndReadsExtraFields() throws {
        let text = "garbage\n" + #"{"log":"with attrs\n","stream":"stdout","attrs":{"a":"b"},"time":"t"}"# + "\n"
            + #"{"log":"x","stream":"elsewhere","time":"t"}"# + "\n" + line("ok\n")
        let path = try write("mixed.log", text)
        #expect(try ContainerLog.entries(path).map(\.log) == ["with attrs\n", "ok\n"])
    }

    @Test(arguments: [
        ("2026-11-22T17:11:14.123456789Z", "2026-11-22T17:11:14.123456789Z"),
        ("2026-11-22T17:11:14.1234Z", "2026-11-22T17:11:14.123400000Z"),
        ("2026-11-22T17:11:14Z", "2026-11-22T17:11:14.000000000Z"),
        ("2026-11-22T17:11:14.5+01:00", "2026-11-22T17:11:14.500000000+01:00"),
    ])
    func fixedTimeHasNineDigits(stored: String, shown: String) {
        #expect(LogEntry(stream: .stdout, log: "", time: stored).fixedTime == shown)
    }

    @Test func followReadsAppendedLinesAndStopsWhenTold() throws {
        let path = try write("follow.log", line("first\n"))
        var seen: [String] = []
        var passes = 0
        try ContainerLog.follow(path, interval: 0.01, stopped: {
            passes += 1
            switch passes {
            case 3: try? self.append(path, self.line("second\n") + "{\"log\":\"thi")
            case 5: try? self.append(path, "rd\\n\",\"stream\":\"stderr\",\"time\":\"t\"}\n")
            default: break
            }
            return passes >= 7
        }) { entries in
            seen += entries.map(\.log)
        }
        #expect(seen == ["first\n", "second\n", "third\n"])
    }

    @Test func followDrainsWhatWasWrittenBeforeTheStop() throws {
        let path = try write("drain.log", "")
        var seen: [String] = []
        // Written and stopped in the same pass: the last read still gets it.
        try ContainerLog.follow(path, interval: 0.01, stopped: {
            try? self.append(path, self.line("last words\n"))
            return true
        }) { entries in
            seen += entries.map(\.log)
        }
        #expect(seen == ["last words\n"])
    }

    @Test func followWithTailStartsNearTheEnd() throws {
        let path = try write("follow-tail.log", line("a\n") + line("b\n") + line("c\n"))
        var seen: [String] = []
        try ContainerLog.follow(path, tail: 1, interval: 0.01, stopped: { true }) { seen += $0.map(\.log) }
        #expect(seen == ["c\n"])
    }

    @Test func followWaitsForTheFileToAppear() throws {
        let path = directory + "/late.log"
        var seen: [String] = []
        var passes = 0
        try ContainerLog.follow(path, interval: 0.01, stopped: {
            passes += 1
            if passes == 3 { _ = try? self.write("late.log", self.line("finally\n")) }
            return passes >= 5
        }) { seen += $0.map(\.log) }
        #expect(seen == ["finally\n"])
    }

    @Test func rotatedFilesAreReadOldestFirstAndTailSpansThem() throws {
        let path = try write("rot.log", line("c1") + line("c2"))
        _ = try write("rot.log.1", line("b1") + line("b2"))
        _ = try write("rot.log.2", line("a1"))
        #expect(ContainerLog.files(path) == [path + ".2", path + ".1", path])
        #expect(try ContainerLog.entries(path).map(\.log) == ["a1", "b1", "b2", "c1", "c2"])
        #expect(try ContainerLog.entries(path, tail: 3).map(\.log) == ["b2", "c1", "c2"])
        #expect(try ContainerLog.entries(path, tail: 2).map(\.log) == ["c1", "c2"])
        #expect(try ContainerLog.entries(path, tail: 9).map(\.log) == ["a1", "b1", "b2", "c1", "c2"])
    }

    @Test func attributesAreRead() throws {
        let text = #"{"log":"x\n","stream":"stdout","attrs":{"b":"2","a":"1"},"time":"2026-11-22T17:11:14Z"}"# + "\n"
        let entry = try #require(ContainerLog.entries(try write("attrs.log", text)).first)
        #expect(entry.attributes == ["a": "1", "b": "2"])
        #expect(entry.log == "x\n")
    }
}
