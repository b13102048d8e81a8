import Foundation
import SwrunRuntime
import Testing
@testable import swrun

/// `--log-opt` checks and sizes, `--since`/`--until` times, `logs --details` text.
@Suite struct LogOptionsTests {
    @Test func humanSizesAreDecimalAsGoUnits() throws {
        #expect(try ContainerLogConfig.humanSize("1k") == 1000)
        #expect(try ContainerLogConfig.humanSize("10m") == 10_000_000)
        #expect(try ContainerLogConfig.humanSize("10MB") == 10_000_000)
        #expect(try ContainerLogConfig.humanSize("2g") == 2_000_000_000)
        #expect(try ContainerLogConfig.humanSize("1.5k") == 1500)
        #expect(try ContainerLogConfig.humanSize("512") == 512)
        #expect(throws: (any Error).self) { try ContainerLogConfig.humanSize("ten") }
        #expect(throws: (any Error).self) { try ContainerLogConfig.humanSize("") }
        #expect(throws: (any Error).self) { try ContainerLogConfig.humanSize("-1k") }
    }

    @Test func optionsAreCheckedAsDockersJSONFileDriver() throws {
        let config = try ContainerLogConfig(driver: nil, options: ["max-size=10m", "max-file=3"])
        #expect(config.type == "json-file")
        #expect(config.maxBytes == 10_000_000 && config.maxFiles == 3)
        #expect(try ContainerLogConfig(driver: "json-file", options: []).maxBytes == 0)
        #expect(try ContainerLogConfig(driver: "json-file", options: []).maxFiles == 1)
        #expect(try ContainerLogConfig(driver: "none", options: []).type == "none")
        #expect(throws: (any Error).self) { try ContainerLogConfig(driver: "none", options: ["max-size=1k"]) }
        #expect(throws: (any Error).self) { try ContainerLogConfig(driver: "journald", options: []) }
        #expect(throws: (any Error).self) { try ContainerLogConfig(driver: nil, options: ["max-file=x"]) }
        #expect(throws: (any Error).self) { try ContainerLogConfig(driver: nil, options: ["compress=true"]) }
    }

    @Test func attributesComeFromTheLabelsAndEnvTheOptionsName() throws {
        var config = try ContainerLogConfig(driver: nil, options: ["labels=app,missing", "env=HOME", "env-regex=^X_"])
        config.pickAttributes(labels: ["app": "web", "other": "no"], env: ["HOME=/root", "X_A=1", "PATH=/bin"])
        #expect(config.attributes == ["app": "web", "HOME": "/root", "X_A": "1"])
        var none = try ContainerLogConfig(driver: nil, options: [])
        none.pickAttributes(labels: ["app": "web"], env: ["HOME=/root"])
        #expect(none.attributes == nil)
    }

    @Test func durationsCountBackFromNowInWholeSeconds() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000.75)
        #expect(try TimeBound.parse("10m", flag: "--since", now: now) == (1_800_000_000 - 600) * 1_000_000_000)
        #expect(try TimeBound.parse("1h30m", flag: "--since", now: now) == (1_800_000_000 - 5400) * 1_000_000_000)
        #expect(try TimeBound.parse("-1h", flag: "--since", now: now) == (1_800_000_000 + 3600) * 1_000_000_000)
        #expect(try TimeBound.parse("0", flag: "--since", now: now) == 0)
    }

    @Test func unixTimestampsAndDatesAreRead() throws {
        #expect(try TimeBound.parse("1700000000", flag: "--since") == 1_700_000_000_000_000_000)
        #expect(try TimeBound.parse("1700000000.5", flag: "--since") == 1_700_000_000_500_000_000)
        #expect(try TimeBound.parse("2026-12-07T20:15:30Z", flag: "--since") == 1_796_674_530_000_000_000)
        #expect(try TimeBound.parse("2026-12-07T20:15:30.25Z", flag: "--since") == 1_796_674_530_250_000_000)
        #expect(try TimeBound.parse("2026-12-07T21:15:30+01:00", flag: "--since") == 1_796_674_530_000_000_000)
        #expect(try TimeBound.parse("2026-12-07T19:15:30-01:00", flag: "--since") == 1_796_674_530_000_000_000)
        // Without a zone: local time, as docker reads it.
        func local(_ hour: Int32, _ minute: Int32) -> Int64 {
            var parts = tm()
            parts.tm_year = 126
            parts.tm_mon = 11
            parts.tm_mday = 7
            parts.tm_hour = hour
            parts.tm_min = minute
            parts.tm_isdst = -1
            return Int64(mktime(&parts)) * 1_000_000_000
        }
        #expect(try TimeBound.parse("2026-12-07", flag: "--since") == local(0, 0))
        #expect(try TimeBound.parse("2026-12-07T20:15", flag: "--since") == local(20, 15))
        for bad in ["junk", "2026-13-01", "2026-12-07T25:00", "12:00", "1.2.3", ""] {
            #expect(throws: (any Error).self, "\(bad)") { try TimeBound.parse(bad, flag: "--since") }
        }
    }

    @Test func detailsAreQueryEscapedPairsInKeyOrder() {
        #expect(Logs.detailsPrefix([:]) == "")
        #expect(Logs.detailsPrefix(["b": "2", "a": "x y&z"]) == "a=x+y%26z,b=2")
        #expect(Logs.queryEscaped("é/~") == "%C3%A9%2F~")
    }
}
