import Foundation
import SwrunOS
import Testing
@testable import swrun

/// `events`' text line, JSON, filters and times, as docker's.
@Suite struct EventsFormatTests {
    let start = RecordedEvent(type: "container", action: "start", actorID: "4f5e",
                              attributes: ["name": "x", "image": "busybox"], timeNanos: 1_796_673_600_000_000_123)

    @Test func theDefaultLineIsDockers() {
        #expect(EventsFormat.line(start) == "2026-12-07T20:00:00.000000123Z container start 4f5e (image=busybox, name=x)")
        let bare = RecordedEvent(type: "image", action: "delete", actorID: "sha256:1", timeNanos: 0)
        #expect(EventsFormat.line(bare) == "1970-01-01T00:00:00.000000000Z image delete sha256:1")
    }

    /// docker's CLI prints times in the local zone: "Z" at UTC, else the offset.
    @Test func timesCarryTheLocalOffset() {
        let nanos: Int64 = 1_796_673_600_000_000_123
        #expect(EventsFormat.time(nanos, utcOffset: 0) == "2026-12-07T20:00:00.000000123Z")
        #expect(EventsFormat.time(nanos, utcOffset: 3600) == "2026-12-07T21:00:00.000000123+01:00")
        #expect(EventsFormat.time(nanos, utcOffset: -(5 * 3600 + 30 * 60)) == "2026-12-07T14:30:00.000000123-05:30")
        #expect(EventsFormat.time(0, utcOffset: 4 * 3600) == "1970-01-01T04:00:00.000000000+04:00")
    }

    @Test func jsonHasDockersKeys() throws {
        let render = try EventsFormat.renderer("json")
        #expect(try render(start) == #"{"Type":"container","Action":"start","Actor":{"ID":"4f5e","Attributes":{"image":"busybox","name":"x"}},"scope":"local","time":1796673600,"timeNano":1796673600000000123}"#)
        #expect(try EventsFormat.renderer("{{json .}}")(start) == (try render(start)))
    }

    @Test func templatesSeeGoFieldNames() throws {
        let render = try EventsFormat.renderer("{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Scope}} {{.Time}}")
        #expect(try render(start) == "container start x local 1796673600")
        #expect(throws: CommandFailure.self) { try EventsFormat.renderer("{{.Type") }
    }

    @Test func filtersMatchAsDockers() throws {
        #expect(try EventsFilter(["type=container"]).includes(start))
        #expect(try !EventsFilter(["type=image"]).includes(start))
        #expect(try EventsFilter(["event=die", "event=start"]).includes(start))
        #expect(try EventsFilter(["container=x"]).includes(start))
        #expect(try EventsFilter(["container=4f"]).includes(start))
        #expect(try !EventsFilter(["container=y"]).includes(start))
        #expect(try EventsFilter(["image=busybox"]).includes(start))
        #expect(try EventsFilter(["type=container", "event=start", "container=x"]).includes(start))
        #expect(try !EventsFilter(["type=container", "event=die"]).includes(start))
        let pull = RecordedEvent(type: "image", action: "pull", actorID: "busybox:latest", attributes: ["name": "busybox:latest"])
        #expect(try EventsFilter(["image=busybox"]).includes(pull))
        #expect(try !EventsFilter(["container=busybox"]).includes(pull))
        let labelled = RecordedEvent(type: "container", action: "create", actorID: "1", attributes: ["tier": "web", "name": "a"])
        #expect(try EventsFilter(["label=tier"]).includes(labelled))
        #expect(try EventsFilter(["label=tier=web"]).includes(labelled))
        #expect(try !EventsFilter(["label=tier=db"]).includes(labelled))
        // exec_create/exec_start/health_status carry a suffix: docker then matches by prefix.
        let execStart = RecordedEvent(type: "container", action: "exec_start: sh -c true", actorID: "1")
        #expect(try EventsFilter(["event=exec_start"]).includes(execStart))
        #expect(try EventsFilter(["event=exec_start: sh"]).includes(execStart) == false)
        #expect(try EventsFilter(["event=exec_die", "event=exec_start"]).includes(execStart))
        #expect(try !EventsFilter(["event=exec_die"]).includes(execStart))
        #expect(try EventsFilter(["event=exec_die"]).includes(RecordedEvent(type: "container", action: "exec_die", actorID: "1")))
        #expect(try EventsFilter(["event=health_status"]).includes(RecordedEvent(type: "container", action: "health_status: healthy", actorID: "1")))
    }

    @Test func badFiltersAreRefused() {
        #expect(throws: SwrunError.self) { try EventsFilter(["type"]) }
        #expect(throws: CommandFailure.self) { try EventsFilter(["colour=red"]) }
    }
}
