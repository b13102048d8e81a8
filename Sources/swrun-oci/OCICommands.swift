import FoundationEssentials
import Glibc
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// The commands, each a thin front over `OCIRuntime`. Each returns the exit status.
struct OCICommands {
    let runtime: OCIRuntime
    let line: ParsedCommandLine

    static let usage = """
        Usage: swrun-oci [global options] COMMAND [options] [ID] [args]

        An OCI runtime with runc's command line.

        Commands:
          create    create a container from a bundle; its command waits for start
          start     run the command of a created container
          run       create and start a container, and wait for it (unless --detach)
          exec      run a new process in a running container
          state     print a container's state as JSON
          list      list containers
          kill      send a signal to a container's init (--all: every process)
          delete    delete a stopped container (--force: kill it first)
          pause     freeze every process of a container
          resume    thaw a paused container
          ps        list the processes of a container
          update    change a container's cgroup limits
          spec      write a default config.json
          features  print what this runtime supports, as JSON
          events    the container's cgroup usage as runc's JSON events (--stats: once;
                    else every --interval, 5s by default, until it stops)

        Global options:
          --root DIR               state directory (default /run/swrun-oci)
          --log FILE               also write errors to FILE
          --log-format text|json   format of the --log file
          --systemd-cgroup         cgroupsPath is slice:prefix:name
          --debug                  log each command line to the --log file
          --version                print the version
        """

    func run(_ command: String) throws -> Int32 {
        switch command {
        case "create": try create(); return 0
        case "start": try runtime.start(try id()); return 0
        case "run": return try runContainer()
        case "exec": return try exec()
        case "state": try printJSON(try runtime.state(try id())); return 0
        case "list": try list(); return 0
        case "kill": try kill(); return 0
        case "delete": try runtime.delete(try id(), force: line.has("force")); return 0
        case "pause": try runtime.pause(try id()); return 0
        case "resume": try runtime.resume(try id()); return 0
        case "ps": try ps(); return 0
        case "update": try update(); return 0
        case "spec": try spec(); return 0
        case "features": try printJSON(Features.current); return 0
        case "events": try events(); return 0
        default:
            throw SwrunError(.invalidArgument, "'\(command)' is not a swrun-oci command; see 'swrun-oci --help'")
        }
    }

    func id() throws -> String {
        guard let id = line.positionals.first, !id.isEmpty else {
            throw SwrunError(.invalidArgument, "\"\(line.command ?? "")\" requires a container ID")
        }
        return id
    }

    func createOptions() throws -> OCICreateOptions {
        var options = OCICreateOptions(bundle: line.value("bundle") ?? ".")
        options.pidFile = line.value("pid-file")
        options.consoleSocket = line.value("console-socket")
        options.preserveFDs = try preserveFDs()
        return options
    }

    func preserveFDs() throws -> Int {
        guard let text = line.value("preserve-fds") else { return 0 }
        guard let n = Int(text), n >= 0, n < 1000 else { throw SwrunError(.invalidArgument, "invalid --preserve-fds: \(text)") }
        return n
    }

    func create() throws {
        try runtime.create(id: try id(), options: try createOptions())
    }

    /// `run`: create and start; in the foreground, wait for the init and delete the
    /// container once it has exited, returning its exit code.
    func runContainer() throws -> Int32 {
        let id = try id()
        var options = try createOptions()
        let detach = line.has("detach")
        // In the foreground without a console socket, the caller's terminal serves.
        let foregroundTerminal = !detach && options.consoleSocket == nil
        let pid = try runtime.create(id: id, options: options, callerTerminal: foregroundTerminal)
        options.bundle = ""
        do {
            try runtime.start(id)
        } catch {
            try? runtime.delete(id, force: true)
            throw error
        }
        if detach { return 0 }
        let code = OCIRuntime.waitExitCode(pid)
        if !line.has("keep") { try? runtime.delete(id, force: true) }
        return code
    }

    func exec() throws -> Int32 {
        let id = try id()
        var process: RuntimeSpec.Process
        if let path = line.value("process") {
            let bytes = try FileIO.readFile(path)
            process = try OCIJSON.decode(RuntimeSpec.Process.self, from: bytes, what: "process \(path)")
        } else {
            let args = Array(line.positionals.dropFirst())
            guard !args.isEmpty else { throw SwrunError(.invalidArgument, "exec: no command given (args or --process)") }
            let spec = try runtime.spec(of: id)
            guard var base = spec.process else { throw SwrunError(.corrupt, "container \(id) has no process in its spec") }
            base.args = args
            base.terminal = line.has("tty")
            if let cwd = line.value("cwd") { base.cwd = cwd }
            base.env = (base.env ?? []) + line.all("env")
            if let user = line.value("user") {
                let parts = user.split(separator: ":", omittingEmptySubsequences: false)
                guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                    throw SwrunError(.invalidArgument, "invalid --user \(user): want UID[:GID]")
                }
                base.user = RuntimeSpec.User(uid: uid, gid: parts.count > 1 ? UInt32(parts[1])! : 0,
                                             additionalGids: try line.all("additional-gids").map { text in
                                                 guard let gid = UInt32(text) else { throw SwrunError(.invalidArgument, "invalid --additional-gids \(text)") }
                                                 return gid
                                             })
            }
            if !line.all("cap").isEmpty {
                var caps = base.capabilities ?? RuntimeSpec.Capabilities()
                for cap in line.all("cap") {
                    caps.bounding = (caps.bounding ?? []) + [cap]
                    caps.effective = (caps.effective ?? []) + [cap]
                    caps.permitted = (caps.permitted ?? []) + [cap]
                }
                base.capabilities = caps
            }
            if line.has("no-new-privs") { base.noNewPrivileges = true }
            process = base
        }
        if line.has("tty") { process.terminal = true }
        var options = OCIExecOptions(process: process)
        options.detach = line.has("detach")
        options.pidFile = line.value("pid-file")
        options.consoleSocket = line.value("console-socket")
        options.preserveFDs = try preserveFDs()
        let pid = try runtime.exec(id, options: options)
        return options.detach ? 0 : OCIRuntime.waitExitCode(pid)
    }

    func kill() throws {
        let id = try id()
        let signal = try Signals.number(line.positionals.dropFirst().first ?? line.value("signal") ?? "TERM")
        try runtime.kill(id, signal: signal, all: line.has("all"))
    }

    func list() throws {
        let states = try runtime.list()
        if line.has("quiet") {
            for state in states { print(state.id) }
            return
        }
        if line.value("format") == "json" {
            try printJSON(states)
            return
        }
        var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
        for s in states {
            rows.append([s.id, String(s.pid ?? 0), s.status, s.bundle, s.created ?? "", s.owner ?? ""])
        }
        let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { i, cell in i == 5 ? cell : cell + String(repeating: " ", count: widths[i] + 3 - cell.count) }
            print(cells.joined())
        }
    }

    func ps() throws {
        let pids = try runtime.pids(try id())
        if line.value("format") == "json" {
            try printJSON(pids)
            return
        }
        // The table is ps(1)'s own, as runc's: its header, then the container's rows.
        let args = line.positionals.count > 1 ? Array(line.positionals.dropFirst()) : ["-ef"]
        let output = try FileIO.capture("/bin/ps", args)
        let rows = output.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = rows.first else { return }
        let pidColumn = header.split(separator: " ").firstIndex(of: "PID") ?? 1
        print(header)
        let wanted = Set(pids)
        for row in rows.dropFirst() {
            let fields = row.split(separator: " ")
            if fields.count > pidColumn, let pid = Int32(fields[pidColumn]), wanted.contains(pid) { print(row) }
        }
    }

    func update() throws {
        let id = try id()
        var resources = RuntimeSpec.Resources()
        if let path = line.value("resources") {
            let bytes = path == "-" ? try FileIO.readAll(0, step: "read stdin") : try FileIO.readFile(path)
            resources = try OCIJSON.decode(RuntimeSpec.Resources.self, from: bytes, what: "resources")
        }
        func int(_ name: String) throws -> Int64? {
            guard let text = line.value(name) else { return nil }
            if text == "-1" { return -1 }
            return try OptionParsing.bytes(text)
        }
        if let v = try int("memory") { resources.memory = resources.memory ?? .init(); resources.memory?.limit = v }
        if let v = try int("memory-swap") { resources.memory = resources.memory ?? .init(); resources.memory?.swap = v }
        if let v = try int("memory-reservation") { resources.memory = resources.memory ?? .init(); resources.memory?.reservation = v }
        if let v = line.value("cpu-shares").flatMap(UInt64.init) { resources.cpu = resources.cpu ?? .init(); resources.cpu?.shares = v }
        if let v = line.value("cpu-quota").flatMap(Int64.init) { resources.cpu = resources.cpu ?? .init(); resources.cpu?.quota = v }
        if let v = line.value("cpu-period").flatMap(UInt64.init) { resources.cpu = resources.cpu ?? .init(); resources.cpu?.period = v }
        if let v = line.value("pids-limit").flatMap(Int64.init) { resources.pids = RuntimeSpec.Resources.Pids(limit: v) }
        try runtime.update(id, resources: resources)
    }

    func spec() throws {
        let bundle = line.value("bundle") ?? "."
        let path = bundle + "/config.json"
        if FileIO.exists(path) { throw SwrunError(.alreadyExists, "File \(path) exists. Remove it first") }
        try FileIO.writeFile(path, bytes: try RuntimeSpec.runcDefault(rootless: line.value("rootless") == "true").encoded(pretty: true) + [10])
    }

    /// runc's event lines: `{"type":"stats","id":…,"data":{"cpu":…,"memory":…,"pids":…}}`.
    func events() throws {
        let id = try id()
        let interval = try Self.seconds(line.value("interval") ?? "5s")
        repeat {
            let stats = try runtime.stats(id)
            let event = StatsEvent(id: id, data: .init(stats))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(event), as: UTF8.self))
            fflush(nil)
            if line.has("stats") { return }
            usleep(UInt32(interval * 1_000_000))
        } while runtime.isRunning(id)
    }

    /// Go's duration syntax for the common cases: "5s", "500ms", "1m", or seconds.
    static func seconds(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return value * scale }
        }
        if let value = Double(text), value > 0 { return value }
        throw SwrunError(.invalidArgument, "invalid --interval: \(text)")
    }

    func printJSON<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
