import Testing
import Foundation
import SwrunOS
@testable import SwrunRuntime

@Suite struct OptionParsingTests {
    @Test(arguments: [("1024", Int64(1024)), ("512m", 512 << 20), ("1g", 1 << 30), ("1G", 1 << 30), ("100k", 102_400),
                      ("2gb", 2 << 30), ("1.5g", 3 << 29), ("-1", -1), ("10b", 10)])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try OptionParsing.bytes(text) == bytes)
    }

    @Test(arguments: ["", "abc", "12x", "-5m", "m"])
    func badSizes(text: String) {
        #expect(throws: SwrunError.self) { try OptionParsing.bytes(text) }
    }

    @Test func ulimits() throws {
        #expect(try OptionParsing.ulimit("nofile=512:1024") == InitRlimit(resource: 7, soft: 512, hard: 1024))
        #expect(try OptionParsing.ulimit("nproc=100") == InitRlimit(resource: 6, soft: 100, hard: 100))
        #expect(try OptionParsing.ulimit("core=-1") == InitRlimit(resource: 4, soft: .max, hard: .max))
        for bad in ["nofile", "bogus=1", "nofile=2:1", "nofile=a", "nofile=1:2:3"] {
            #expect(throws: SwrunError.self) { try OptionParsing.ulimit(bad) }
        }
    }

    @Test func tmpfsDefaultsAndOptions() throws {
        let plain = try OptionParsing.tmpfs("/scratch")
        #expect(plain.destination == "/scratch")
        #expect(plain.flags == MountFlags.noExec | MountFlags.noSuid | MountFlags.noDev)
        #expect(plain.data == "size=65536k")
        let custom = try OptionParsing.tmpfs("/run:exec,ro,size=1m,mode=1777")
        #expect(custom.flags == MountFlags.noSuid | MountFlags.noDev | MountFlags.readOnly)
        #expect(custom.data == "size=1m,mode=1777")
        #expect(throws: SwrunError.self) { try OptionParsing.tmpfs("relative") }
    }

    @Test func volumes() throws {
        let rw = try OptionParsing.volume("/host:/ctr")
        #expect(rw == InitMount(kind: .bind, source: "/host", destination: "/ctr"))
        #expect(try OptionParsing.volume("/host:/ctr:ro").flags == MountFlags.readOnly)
        for bad in ["/host", "named:/ctr", "/host:rel", "/host:/ctr:bogus", ":/ctr"] {
            #expect(throws: SwrunError.self) { try OptionParsing.volume(bad) }
        }
    }

    @Test func envFileSkipsCommentsAndBlanks() {
        #expect(OptionParsing.envFile("# c\nA=1\n\n  B=two words \nC\n") == ["A=1", "B=two words", "C"])
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-22T17:11:14.123456789Z", 1_795_367_474.123456789),
        ("2026-11-22T17:11:14Z", 1_795_367_474.0),
        ("2026-11-22T18:11:14.5+01:00", 1_795_367_474.5),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func parses(text: String, seconds: Double) throws {
        let date = try #require(Timestamps.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: ["", "2026-11-22", "2026-11-22T17:11:14", "2026-13-xxT00:00:00Z", "garbage"])
    func rejects(text: String) {
        #expect(Timestamps.parse(text) == nil)
    }

    @Test func formatRoundTrips() throws {
        let date = Date(timeIntervalSince1970: 1_795_367_474.25)
        let text = Timestamps.format(date)
        #expect(text == "2026-11-22T17:11:14.250000000Z")
        #expect(try abs(#require(Timestamps.parse(text)).timeIntervalSince1970 - 1_795_367_474.25) < 1e-6)
    }
}
