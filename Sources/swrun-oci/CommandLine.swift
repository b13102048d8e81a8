import SwrunOS

/// runc's command line, parsed the way its callers write it: long flags with one or
/// two dashes, `--flag value` or `--flag=value`, global and command flags in any
/// position, `--` ending the flags. For `exec` (and `run`'s ID) the first positional
/// after the ID starts the command, whose own flags are left alone.
struct ParsedCommandLine {
    var command: String?
    var positionals: [String] = []
    var values: [String: [String]] = [:]
    var switches: Set<String> = []

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }

    /// Flags that take a value, by canonical name; aliases map to it.
    static let valueFlags: Set<String> = [
        "root", "log", "log-format", "criu", "rootless", "bundle", "pid-file", "console-socket", "preserve-fds",
        "process", "cwd", "env", "user", "additional-gids", "cap", "process-label", "apparmor", "cgroup", "format",
        "resources", "memory", "memory-swap", "memory-reservation", "kernel-memory", "kernel-memory-tcp", "cpu-shares",
        "cpu-quota", "cpu-period", "cpu-rt-runtime", "cpu-rt-period", "cpuset-cpus", "cpuset-mems", "pids-limit",
        "blkio-weight", "l3-cache-schema", "mem-bw-schema", "signal", "interval",
    ]
    static let switchFlags: Set<String> = [
        "debug", "systemd-cgroup", "help", "version", "no-pivot", "no-new-keyring", "detach", "keep", "all", "force",
        "tty", "no-new-privs", "ignore-paused", "quiet", "no-subreaper", "empty-ns", "stats",
    ]
    static let aliases: [String: String] = [
        "b": "bundle", "d": "detach", "a": "all", "f": "force", "p": "process", "e": "env", "u": "user", "g": "additional-gids",
        "c": "cap", "t": "tty", "q": "quiet", "r": "resources", "h": "help", "v": "version",
    ]

    /// Commands whose second positional starts the container command (`exec ID cmd…`).
    static let commandTaking: Set<String> = ["exec"]

    init(_ arguments: [String]) throws {
        var index = 0
        var flagsDone = false
        while index < arguments.count {
            let arg = arguments[index]
            index += 1
            if flagsDone || !arg.hasPrefix("-") || arg == "-" {
                if command == nil {
                    command = arg
                } else {
                    positionals.append(arg)
                    // exec: after the ID, the command and its flags are the container's.
                    if let command, Self.commandTaking.contains(command), positionals.count >= 2 { flagsDone = true }
                }
                continue
            }
            if arg == "--" {
                flagsDone = true
                continue
            }
            var name = String(arg.drop(while: { $0 == "-" }))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            name = Self.aliases[name] ?? name
            if Self.valueFlags.contains(name) {
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard index < arguments.count else { throw SwrunError(.invalidArgument, "flag needs an argument: \(arg)") }
                    value = arguments[index]
                    index += 1
                }
                values[name, default: []].append(value)
            } else if Self.switchFlags.contains(name) {
                if let inline, inline == "false" { switches.remove(name) } else { switches.insert(name) }
            } else {
                throw SwrunError(.invalidArgument, "flag provided but not defined: \(arg)")
            }
        }
    }
}
