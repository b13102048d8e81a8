import Foundation
import Testing
@testable import SwrunRuntime

@Suite struct ContainerFilterTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func facts(_ name: String, status: String = "running", exitCode: Int32 = 0, labels: [String: String] = [:],
               image: String = "sha256:a", created: TimeInterval = 0, mounts: [String] = [], networks: [String] = ["bridge"]) -> ContainerFacts {
        ContainerFacts(id: name == "web" ? "abc123" + String(repeating: "0", count: 58) : "def456" + String(repeating: "0", count: 58),
                       name: name, labels: labels, status: status, exitCode: exitCode, imageID: image,
                       created: Self.t0.addingTimeInterval(created), mountPoints: mounts, networks: networks)
    }

    @Test func sameKeyIsOrDifferentKeysAreAnd() throws {
        let filter = try ContainerFilter(["status=exited", "status=created", "name=web"])
        #expect(filter.matches(facts("web", status: "exited")))
        #expect(filter.matches(facts("web", status: "created")))
        #expect(!filter.matches(facts("web", status: "running")))
        #expect(!filter.matches(facts("db", status: "exited")))
    }

    @Test func labelsAllHoldKeyOrKeyValue() throws {
        let c = facts("web", labels: ["env": "prod", "tier": "front"])
        #expect(try ContainerFilter(["label=env"]).matches(c))
        #expect(try ContainerFilter(["label=env=prod", "label=tier"]).matches(c))
        #expect(try !ContainerFilter(["label=env=dev"]).matches(c))
        #expect(try !ContainerFilter(["label=env", "label=other"]).matches(c))
        #expect(try ContainerFilter(["label!=other"], allowed: ContainerFilter.pruneKeys).matches(c))
    }

    @Test func nameIsARegexpOverTheNameWithOrWithoutSlash() throws {
        #expect(try ContainerFilter(["name=^web$"]).matches(facts("web")))
        #expect(try ContainerFilter(["name=^/web"]).matches(facts("web")))
        #expect(try ContainerFilter(["name=e"]).matches(facts("web")))
        #expect(try !ContainerFilter(["name=^eb"]).matches(facts("web")))
    }

    @Test func idMatchesAPrefix() throws {
        #expect(try ContainerFilter(["id=abc1"]).matches(facts("web")))
        #expect(try !ContainerFilter(["id=abc1"]).matches(facts("db")))
    }

    @Test func exitedNeedsAnExitedContainerWithThatCode() throws {
        let filter = try ContainerFilter(["exited=3"])
        #expect(filter.matches(facts("web", status: "exited", exitCode: 3)))
        #expect(!filter.matches(facts("web", status: "exited", exitCode: 0)))
        #expect(!filter.matches(facts("web", status: "running", exitCode: 3)))
    }

    @Test func resolvedReferencesDecide() throws {
        var filter = try ContainerFilter(["ancestor=busybox", "before=x", "since=y"])
        filter.ancestorImageIDs = ["sha256:a"]
        filter.before = Self.t0.addingTimeInterval(10)
        filter.since = Self.t0.addingTimeInterval(1)
        #expect(filter.matches(facts("web", image: "sha256:a", created: 5)))
        #expect(!filter.matches(facts("web", image: "sha256:b", created: 5)))
        #expect(!filter.matches(facts("web", image: "sha256:a", created: 10)))
        #expect(!filter.matches(facts("web", image: "sha256:a", created: 1)))
    }

    @Test func volumeNetworkAndHealth() throws {
        let c = facts("web", mounts: ["/host/data", "/data"], networks: ["front"])
        #expect(try ContainerFilter(["volume=/data"]).matches(c))
        #expect(try ContainerFilter(["volume=/host/data"]).matches(c))
        #expect(try !ContainerFilter(["volume=/other"]).matches(c))
        #expect(try ContainerFilter(["network=front"]).matches(c))
        #expect(try !ContainerFilter(["network=bridge"]).matches(c))
        #expect(try ContainerFilter(["health=none"]).matches(c))
        #expect(try !ContainerFilter(["health=healthy"]).matches(c))
    }

    @Test(arguments: [
        ("status=sleeping", "invalid filter 'status=sleeping'"),
        ("exited=x", "invalid filter 'exited=x'"),
        ("health=ok", "invalid filter 'health=ok'"),
        ("colour=red", "invalid filter 'colour'"),
        ("name", "bad format of filter (expected name=value)"),
    ])
    func badFiltersAreRefusedInDockersWords(argument: String, message: String) {
        #expect(throws: Error.self) { try ContainerFilter([argument]) }
        do { _ = try ContainerFilter([argument]) } catch { #expect("\(error)".contains(message)) }
    }

    @Test func pruneAcceptsOnlyItsKeys() throws {
        #expect(throws: Error.self) { try ContainerFilter(["status=exited"], allowed: ContainerFilter.pruneKeys) }
        var filter = try ContainerFilter(["until=1h"], allowed: ContainerFilter.pruneKeys)
        filter.until = Self.t0
        #expect(filter.matches(facts("web", created: -1)))
        #expect(!filter.matches(facts("web", created: 1)))
    }
}
