import Foundation
import Glibc
import Testing

/// Bad input: every error is one line on stderr starting `swrun-oci: `, exit status 1,
/// and a create that fails leaves nothing: no state entry, no cgroup, no process.
extension OCIRuntimeTests {
    /// The error line of a failed command: exit 1, nothing on stdout, exactly one line on
    /// stderr starting with `swrun-oci: `.
    static func expectError(_ result: CommandResult, contains text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(!result.timedOut, "\(result)", sourceLocation: sourceLocation)
        #expect(result.out.isEmpty, "stdout of a failed command: \(result)", sourceLocation: sourceLocation)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1 && result.err.hasPrefix("swrun-oci: "), "stderr is not one swrun-oci: line: \(result)",
                sourceLocation: sourceLocation)
        #expect(result.err.contains(text), "stderr lacks \(text.debugDescription): \(result)", sourceLocation: sourceLocation)
    }

    /// After a failed create of `bundle.id`: no state entry, no cgroup, no process in it.
    static func expectNothingLeft(_ bundle: OCIBundle, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(bundle.storeEntries().isEmpty, "state dir after a failed create: \(bundle.storeEntries())",
                sourceLocation: sourceLocation)
        #expect(bundle.remainingCgroups().isEmpty, "cgroups after a failed create: \(bundle.remainingCgroups())",
                sourceLocation: sourceLocation)
        #expect(bundle.processesInCgroup().isEmpty, "processes after a failed create: \(bundle.processesInCgroup())",
                sourceLocation: sourceLocation)
        let listed = bundle.oci(["list", "-q"])
        #expect(listed.status == 0 && listed.lines.isEmpty, "list after a failed create: \(listed)", sourceLocation: sourceLocation)
        let state = bundle.oci(["state", bundle.id])
        #expect(state.status == 1 && state.err == "swrun-oci: container \(bundle.id) does not exist", "\(state)",
                sourceLocation: sourceLocation)
    }

    @Test("a command on an unknown ID fails: container ID does not exist", arguments: [
        ["state", "ID"], ["start", "ID"], ["kill", "ID"], ["kill", "ID", "KILL"], ["kill", "--all", "ID", "KILL"],
        ["delete", "ID"], ["pause", "ID"], ["resume", "ID"], ["ps", "--format", "json", "ID"],
        ["update", "--memory", "64m", "ID"], ["exec", "ID", "true"],
    ])
    func unknownID(arguments: [String]) throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        let id = "nosuch-" + OCIBundle.token()
        let result = bundle.oci(arguments.map { $0 == "ID" ? id : $0 })
        Self.expectError(result, contains: "container \(id) does not exist")
        #expect(result.err == "swrun-oci: container \(id) does not exist", "\(result)")
        #expect(bundle.storeEntries().isEmpty, "\(bundle.storeEntries())")
    }

    @Test("delete --force of an unknown ID succeeds (runc's idempotent delete)")
    func forceDeleteUnknown() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        let result = bundle.oci(["delete", "--force", "nosuch-" + OCIBundle.token()])
        #expect(result.status == 0 && result.err.isEmpty, "\(result)")
    }

    @Test("create with an ID in use fails and leaves the first container as it was")
    func duplicateCreate() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        let pidFile = bundle.base + "/first.pid"
        try bundle.create(["--pid-file", pidFile])
        let pid = try Self.readPidFile(pidFile)
        let cgroups = bundle.remainingCgroups()

        let second = bundle.oci(["create", "--bundle", bundle.path, "--pid-file", bundle.base + "/second.pid", bundle.id])
        Self.expectError(second, contains: "container with id exists: \(bundle.id)")
        #expect(second.err == "swrun-oci: container with id exists: \(bundle.id)", "\(second)")
        #expect(!Host.exists(bundle.base + "/second.pid"), "the failed create wrote its pid file")
        let state = bundle.state()
        #expect(state?["status"] as? String == "created" && Self.pid(state) == pid, "\(state ?? [:])")
        #expect(OCIBundle.isAlive(pid))
        #expect(bundle.remainingCgroups() == cgroups && !cgroups.isEmpty, "cgroups: \(bundle.remainingCgroups()) vs \(cgroups)")
        #expect(bundle.processesInCgroup() == [pid])
        #expect(bundle.storeEntries() == [bundle.id])
    }

    /// Bundles create must refuse. Some fail before anything is made, some only once the
    /// cgroup and the init exist (a missing executable, a console socket nobody listens on).
    enum BadBundle: String, CaseIterable, Sendable, CustomStringConvertible {
        case malformedConfig, noConfig, missingRootfs, terminalWithoutConsoleSocket, missingExecutable, deadConsoleSocket,
             consoleSocketWithoutTerminal
        var description: String { rawValue }
    }

    /// Each bad bundle for create, and for run (except a terminal without a console socket:
    /// run in the foreground gives the process the caller's stdio instead).
    static let badBundleCases: [(BadBundle, String)] = BadBundle.allCases.flatMap { bad in
        (bad == .terminalWithoutConsoleSocket ? ["create"] : ["create", "run"]).map { (bad, $0) }
    }

    @Test("create and run refuse a bad bundle and leave no state, cgroup or process", arguments: badBundleCases)
    func badBundle(_ bad: BadBundle, command: String) throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        var flags: [String] = []
        let expected: String
        switch bad {
        case .malformedConfig:
            try Data("{\"ociVersion\": \"1.2.0\", \"process\": ".utf8).write(to: URL(fileURLWithPath: bundle.configPath))
            expected = "config.json"
        case .noConfig:
            try FileManager.default.removeItem(atPath: bundle.configPath)
            expected = "config.json"
        case .missingRootfs:
            try bundle.configure { $0[path: "root.path"] = "no-such-rootfs" }
            expected = "rootfs (\(bundle.path)/no-such-rootfs) does not exist"
        case .terminalWithoutConsoleSocket:
            try bundle.configure { $0[path: "process.terminal"] = true }
            expected = "console socket"
        case .missingExecutable:
            try bundle.configure { $0[path: "process.args"] = ["no-such-command"] }
            expected = "no-such-command"
        case .deadConsoleSocket:
            try bundle.configure { $0[path: "process.terminal"] = true }
            let socket = bundle.base + "/nobody.sock"
            flags = ["--console-socket", socket]
            expected = socket
        case .consoleSocketWithoutTerminal:
            flags = ["--console-socket", bundle.base + "/unused.sock"]
            expected = "console socket"
        }
        let created = bundle.oci([command, "--bundle", bundle.path] + flags + [bundle.id])
        Self.expectError(created, contains: expected)
        Self.expectNothingLeft(bundle)
    }

    @Test("create refuses an ID that is no safe path component, and makes nothing outside --root",
          arguments: ["../escape", "a/b", ".."])
    func invalidID(_ id: String) throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        let created = bundle.oci(["create", "--bundle", bundle.path, id])
        Self.expectError(created, contains: "invalid container id format")
        #expect(bundle.storeEntries().isEmpty, "\(bundle.storeEntries())")
        #expect(!Host.exists(bundle.base + "/escape"), "create made \(bundle.base)/escape")
        #expect(bundle.processesInCgroup().isEmpty)
    }

    @Test("start of a running or stopped container fails; delete of a running one needs --force")
    func wrongStatus() throws {
        let bundle = try OCIBundle(["sleep", "1000"])
        defer { bundle.tearDown() }
        let pid = try Self.startRunning(bundle)
        Self.expectError(bundle.oci(["start", bundle.id]), contains: "cannot start an already running container")
        let refused = bundle.oci(["delete", bundle.id])
        Self.expectError(refused, contains: "not stopped")
        #expect(refused.err == "swrun-oci: cannot delete container \(bundle.id) that is not stopped: running", "\(refused)")
        #expect(bundle.status() == "running" && OCIBundle.isAlive(pid))

        #expect(bundle.oci(["kill", bundle.id, "KILL"]).status == 0)
        #expect(bundle.waitForStatus("stopped") == "stopped")
        Self.expectError(bundle.oci(["start", bundle.id]), contains: "cannot start a container that has stopped")
        Self.expectError(bundle.oci(["kill", bundle.id, "KILL"]), contains: "not running")
        Self.expectError(bundle.oci(["exec", bundle.id, "true"]), contains: "stopped")
        #expect(bundle.oci(["delete", bundle.id]).status == 0)
    }

    @Test("an unknown command, flag or signal is an error")
    func badCommandLine() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        Self.expectError(bundle.oci(["frobnicate", bundle.id]), contains: "frobnicate")
        Self.expectError(bundle.oci(["state", "--no-such-flag", bundle.id]), contains: "--no-such-flag")
        Self.expectError(bundle.oci(["create", "--bundle"]), contains: "--bundle")
        try bundle.create()
        Self.expectError(bundle.oci(["kill", bundle.id, "NOSUCHSIG"]), contains: "NOSUCHSIG")
        #expect(bundle.status() == "created")
    }

    @Test("--log with --log-format json gets the error as a JSON line; text is level=error")
    func errorLog() throws {
        let bundle = try OCIBundle()
        defer { bundle.tearDown() }
        let id = "nosuch-" + OCIBundle.token()
        let jsonLog = bundle.base + "/log.json"
        let failed = bundle.oci(["--log", jsonLog, "--log-format", "json", "kill", id, "KILL"])
        Self.expectError(failed, contains: "container \(id) does not exist")
        let lines = (Host.read(jsonLog) ?? "").split(separator: "\n")
        let last = try #require(lines.last, "nothing in \(jsonLog)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
                                  "not a JSON object: \(last)")
        #expect(object["level"] as? String == "error", "\(last)")
        #expect(object["msg"] as? String == "container \(id) does not exist", "\(last)")
        let time = object["time"] as? String ?? ""
        #expect(ISO8601DateFormatter().date(from: time) != nil, "time \(time.debugDescription) is not RFC 3339")

        // Global flags after the command too; text format; --debug adds the command line.
        let textLog = bundle.base + "/log.txt"
        let text = bundle.oci(["state", id, "--log", textLog, "--debug"])
        Self.expectError(text, contains: "does not exist")
        let written = Host.read(textLog) ?? ""
        #expect(written.contains("level=error") && written.contains("container \(id) does not exist"), "\(written)")
        #expect(written.contains("level=debug"), "--debug wrote no debug line: \(written)")
    }
}
