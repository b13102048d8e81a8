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
    }

    @Test func badFiltersAreRefused() {
        #expect(throws: SwrunError.self) { try EventsFilter(["type"]) }
        #expect(throws: CommandFailure.self) { try EventsFilter(["colour=red"]) }
    }
}
