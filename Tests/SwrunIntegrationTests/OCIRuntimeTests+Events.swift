import Foundation
import Testing

/// `events`: the container's cgroup usage as runc's JSON event lines.
extension OCIRuntimeTests {
    @Test("events --stats prints one stats event read from the container's cgroup; a stopped container has none")
    func eventsStats() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        try bundle.configure { config in
            config[path: "linux.resources"] = ["memory": ["limit": 64 << 20], "pids": ["limit": 40]]
        }
        try bundle.create()
        #expect(bundle.oci(["start", bundle.id]).status == 0)
        #expect(bundle.waitForStatus("running") == "running")

        let once = bundle.oci(["events", "--stats", bundle.id])
        #expect(once.status == 0, "\(once)")
        let lines = once.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let event = try #require(try JSONSerialization.jsonObject(with: Data(once.stdout.utf8)) as? [String: Any])
        #expect(event["type"] as? String == "stats")
        #expect(event["id"] as? String == bundle.id)
        let data = try #require(event["data"] as? [String: Any])
        let memory = (data["memory"] as? [String: Any])?["usage"] as? [String: Any]
        #expect(memory?["limit"] as? Int == 64 << 20)
        #expect((memory?["usage"] as? Int ?? 0) > 0)
        let pids = data["pids"] as? [String: Any]
        #expect(pids?["current"] as? Int == 1)
        #expect(pids?["limit"] as? Int == 40)
        let cpu = (data["cpu"] as? [String: Any])?["usage"] as? [String: Any]
        #expect((cpu?["total"] as? Int ?? 0) > 0)

        #expect(bundle.oci(["kill", bundle.id, "KILL"]).status == 0)
        #expect(bundle.waitForStatus("stopped") == "stopped")
        let after = bundle.oci(["events", "--stats", bundle.id])
        #expect(after.status == 1 && after.stderr == "swrun-oci: container not running\n", "\(after)")
        // Followed without --stats, events ends by itself once the container has stopped.
        let followed = bundle.oci(["events", "--interval", "100ms", bundle.id], timeout: 20)
        #expect(followed.status == 1 && !followed.timedOut, "\(followed)")
    }
}
