import Foundation
import Glibc
import Testing

/// Hooks: each runs with the state JSON on stdin, in the order of the runtime spec
/// (prestart, createRuntime, createContainer at create; startContainer, poststart at
/// start; poststop at delete); a failing create-time hook fails create and leaves nothing.
///
/// Each hook is `/bin/sh -c …` writing into a directory bind-mounted at the same path in
/// the container, so a hook writes the same file whether it runs in the runtime's mount
/// namespace or in the container's (busybox has sh, cat and readlink too).
extension OCIRuntimeTests {
    static let hookNames = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]

    /// A hook that saves its stdin to `<dir>/<name>.json`, its mount namespace to
    /// `<dir>/<name>.mnt`, and appends its name to `<dir>/order`.
    static func recordingHook(_ name: String, directory: String) -> [String: Any] {
        let script = "cat > \(directory)/\(name).json && readlink /proc/self/ns/mnt > \(directory)/\(name).mnt"
            + " && echo \(name) >> \(directory)/order"
        return ["path": "/bin/sh", "args": ["sh", "-c", script], "env": ["PATH=/usr/bin:/bin"]]
    }

    /// A bundle whose six hooks record themselves in `<base>/hooks`.
    static func recordingBundle(_ args: [String]) throws -> (bundle: OCIBundle, directory: String) {
        let bundle = try OCIBundle(args)
        let directory = bundle.base + "/hooks"
        try bundle.shareDirectory(directory)
        try bundle.configure { config in
            for name in hookNames { config[path: "hooks." + name] = [recordingHook(name, directory: directory)] }
        }
        return (bundle, directory)
    }

    static func order(_ directory: String) -> [String] {
        (Host.read(directory + "/order") ?? "").split(separator: "\n").map(String.init)
    }

    @Test("hooks run in order, create's at create, start's at start, poststop at delete, each with the state on stdin")
    func hookOrder() throws {
        let (bundle, directory) = try Self.recordingBundle(["sleep", "1000"])
        defer { bundle.tearDown() }

        try bundle.create()
        let pid = try #require(Self.pid(bundle.state()))
        #expect(Self.order(directory) == ["prestart", "createRuntime", "createContainer"], "after create: \(Self.order(directory))")
        let started = bundle.oci(["start", bundle.id])
        #expect(started.status == 0, "\(started)")
        #expect(bundle.waitForStatus("running") == "running")
        #expect(Self.order(directory) == Array(Self.hookNames.prefix(5)), "after start: \(Self.order(directory))")
        #expect(bundle.oci(["kill", bundle.id, "KILL"]).status == 0)
        #expect(bundle.waitForStatus("stopped") == "stopped")
        #expect(Self.order(directory) == Array(Self.hookNames.prefix(5)), "poststop ran before delete: \(Self.order(directory))")
        let deleted = bundle.oci(["delete", bundle.id])
        #expect(deleted.status == 0, "\(deleted)")
        #expect(Self.order(directory) == Self.hookNames, "after delete: \(Self.order(directory))")

        let statuses: Set<String> = ["creating", "created", "running", "stopped"]
        for name in Self.hookNames {
            let text = Host.read("\(directory)/\(name).json") ?? ""
            let state = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            #expect(state != nil, "\(name) read no JSON state on stdin: \(text.debugDescription)")
            #expect(state?["id"] as? String == bundle.id, "\(name): \(text)")
            #expect(state?["ociVersion"] as? String == "1.2.0", "\(name): \(text)")
            #expect(state?["bundle"] as? String == bundle.path, "\(name): \(text)")
            let status = state?["status"] as? String ?? ""
            #expect(statuses.contains(status), "\(name): status \(status.debugDescription)")
            if name == "poststop" {
                #expect(status == "stopped", "\(name): \(text)")
            } else {
                #expect(Self.pid(state) == pid, "\(name): pid vs the init's \(pid): \(text)")
            }
        }
    }

    /// The runtime spec: createContainer and startContainer hooks "MUST be executed in the
    /// container namespace" (runc runs both in `runc init`, inside the container's mount
    /// namespace); prestart, createRuntime, poststart and poststop in the runtime's.
    @Test("createContainer and startContainer hooks run in the container's mount namespace, the others in the runtime's")
    func hookNamespaces() throws {
        let (bundle, directory) = try Self.recordingBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let pid = try Self.startRunning(bundle)
        let container = try #require(OCIBundle.namespace("mnt", of: pid))
        let runtime = try #require(OCIBundle.namespace("mnt", of: getpid()))
        try #require(container != runtime)
        #expect(bundle.oci(["delete", "--force", bundle.id]).status == 0)
        for name in Self.hookNames {
            let seen = Host.read("\(directory)/\(name).mnt")?.trimmingCharacters(in: .whitespacesAndNewlines)
            let inContainer = name == "createContainer" || name == "startContainer"
            let expected = inContainer ? container : runtime
            #expect(seen == expected,
                    "\(name) ran in mount namespace \(seen ?? "?"): expected the \(inContainer ? "container's" : "runtime's") \(expected)")
        }
    }

    @Test("a failing create-time hook fails create and leaves no state, cgroup or process",
          arguments: ["prestart", "createRuntime", "createContainer"])
    func failingHook(_ name: String) throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let directory = bundle.base + "/hooks"
        try bundle.shareDirectory(directory)
        // The hook notes the state it got and (where the host's cgroup tree is in view)
        // that the cgroup exists, then fails.
        let cgroup = bundle.cgroupFile("memory", "")
        let script = "cat > \(directory)/state.json; if [ -d \(cgroup) ]; then echo yes > \(directory)/cgroup; fi; exit 3"
        let poststart = Self.noteRan(directory)
        try bundle.configure { config in
            config[path: "hooks." + name] = [["path": "/bin/sh", "args": ["sh", "-c", script], "env": ["PATH=/usr/bin:/bin"]]]
            config[path: "hooks.poststart"] = [poststart]
        }
        let created = bundle.oci(["create", "--bundle", bundle.path, bundle.id])
        Self.expectError(created, contains: "hook")
        Self.expectNothingLeft(bundle)

        let state = (try? JSONSerialization.jsonObject(with: Data((Host.read(directory + "/state.json") ?? "").utf8))) as? [String: Any]
        #expect(state?["id"] as? String == bundle.id, "the hook got no state naming the container: \(state ?? [:])")
        let pid = try #require(Self.pid(state), "no pid in the hook's state")
        #expect(!OCIBundle.isAlive(pid), "the init \(pid) outlived the failed create")
        if name != "createContainer" {
            #expect(Host.read(directory + "/cgroup") == "yes\n", "the cgroup did not exist while \(name) ran")
        }
        #expect(!Host.exists(directory + "/poststart"), "poststart ran though create failed")
    }

    /// A hook that only notes it ran (`<dir>/poststart`): must never run after a failed create.
    static func noteRan(_ directory: String) -> [String: Any] {
        ["path": "/bin/sh", "args": ["sh", "-c", "touch \(directory)/poststart"], "env": ["PATH=/usr/bin:/bin"]]
    }

    @Test("a hook that outlives its timeout is killed and fails create")
    func hookTimeout() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        try bundle.configure { config in
            config[path: "hooks.createRuntime"] = [["path": "/bin/sh", "args": ["sh", "-c", "exec sleep 300"], "timeout": 1]]
        }
        let began = Date()
        let created = bundle.oci(["create", "--bundle", bundle.path, bundle.id], timeout: 120)
        let took = Date().timeIntervalSince(began)
        Self.expectError(created, contains: "timed out")
        #expect(took < 60, "create took \(took) s with a 1 s hook timeout")
        Self.expectNothingLeft(bundle)
        #expect(Peer.processes(containing: "sleep 300").filter { Peer.commandLine($0) == "sleep 300" }.isEmpty,
                "the timed-out hook's process is still running")
    }
}
