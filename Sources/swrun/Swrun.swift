import ArgumentParser
import Foundation
import Logging
import SwrunImage
import SwrunOS
import SwrunRegistry
import SwrunRuntime

/// The root command: `swrun [--root DIR] [--log-level LEVEL] COMMAND`.
struct Swrun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swrun",
        abstract: "A daemonless container runtime and image tool.",
        version: versionLine,
        subcommands: [
            Run.self, Create.self, Exec.self, Start.self, Import.self, Ps.self, Rm.self, Images.self, Info.self, Version.self,
            Stop.self, Restart.self, Kill.self, Wait.self, Logs.self, Inspect.self, Pause.self, Unpause.self, Rename.self, Top.self,
            Commit.self, Tag.self, Rmi.self, History.self, Save.self, Load.self, Diff.self, Export.self, Cp.self,
            Pull.self, Push.self, Login.self, Logout.self, Search.self, Port.self, Build.self,
            ContainerCommand.self, ImageCommand.self, NetworkCommand.self, VolumeCommand.self, SystemCommand.self, Completion.self,
            HealthcheckCommand.self, Stats.self, Events.self, Update.self,
            Attach.self,
        ]
    )

    /// The start path's commands, read the quick way: argument-parser's set-up is most
    /// of their client's time. Their common lines need no argument-parser at all
    /// (`CommonLine`); other `run` and `exec` lines are parsed as commands of their own,
    /// without the tree of every subcommand (~0.7 ms less). Anything that does not
    /// parse (help, errors) gives nil, and the full parse then answers in the usual words.
    static func hotCommand(_ arguments: [String]) -> (() throws -> Void)? {
        guard let first = arguments.first else { return nil }
        let rest = Array(arguments.dropFirst())
        // A help request parses too, as argument-parser's own help command.
        switch first {
        case "run":
            if let request = RunRequest.parseCommon(rest) { return request.execute }
            guard var run = (try? Run.parseAsRoot(rest)) as? Run else { return nil }
            return { try run.run() }
        case "exec":
            if let request = ExecRequest.parseCommon(rest) { return request.execute }
            guard var exec = (try? Exec.parseAsRoot(rest)) as? Exec else { return nil }
            return { try exec.run() }
        default:
            return nil
        }
    }

    /// What `--version` prints, in docker's and podman's form.
    static let versionLine = "swrun version \(SwrunVersion.string)"
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Root of the image and container store (default: $SWRUN_ROOT or /var/lib/swrun).")
    var root: String?

    @Option(name: .long, help: "Log level: trace, debug, info, warning, error.")
    var logLevel: String = GlobalOptions.defaultLogLevel

    static let defaultLogLevel = "warning"

    /// The options as they are when none is given (leading ones still apply).
    static var none: GlobalOptions {
        var options = GlobalOptions()
        options.root = nil
        options.logLevel = defaultLogLevel
        options.config = nil
        return options
    }

    @Option(name: .long, help: "swrun's config file: insecure-registries, registry-mirrors (default: $SWRUN_CONFIG or /etc/swrun/config.json).")
    var config: String?

    /// Global options given before the subcommand (`swrun --root X run …`), which
    /// argument-parser would only accept after it.
    nonisolated(unsafe) static var leading: [String: String] = [:]

    /// Removes leading `--root`/`--log-level`/`--config` options from `args` into `leading`.
    static func extractLeading(_ args: [String]) throws -> [String] {
        var rest = args[...]
        while let first = rest.first, first.hasPrefix("--") {
            let parts = first.split(separator: "=", maxSplits: 1).map(String.init)
            let key = String(parts[0].dropFirst(2))
            guard key == "root" || key == "log-level" || key == "config" else { break }
            rest = rest.dropFirst()
            if parts.count == 2 {
                leading[key] = parts[1]
            } else {
                guard let value = rest.first else { throw SwrunError(.invalidArgument, "flag needs an argument: --\(key)") }
                leading[key] = value
                rest = rest.dropFirst()
            }
        }
        return Array(rest)
    }

    var storeRoot: String {
        root ?? Self.leading["root"] ?? HostSystem.environment("SWRUN_ROOT") ?? "/var/lib/swrun"
    }

    /// Where the default images' offline tarballs are: `$SWRUN_FIXTURES`, else `/var/cache/swrun/fixtures`.
    var fixtureDirectory: String {
        HostSystem.environment("SWRUN_FIXTURES").flatMap { $0.isEmpty ? nil : $0 } ?? "/var/cache/swrun/fixtures"
    }

    func logger() throws -> Logger {
        let logLevel = Self.leading["log-level"].flatMap { self.logLevel == "warning" ? $0 : nil } ?? self.logLevel
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw SwrunError(.invalidArgument, "invalid --log-level: \(logLevel)")
        }
        var logger = Logger(label: "swrun") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        Swrun.reportsErrorChain = level <= .debug
        return logger
    }

    /// The config file in force: `--config`, `$SWRUN_CONFIG`, else the default path.
    var configPath: String {
        config ?? Self.leading["config"] ?? HostSystem.environment("SWRUN_CONFIG") ?? RegistryConfig.defaultPath
    }

    func imageStore() throws -> ImageStore { try ImageStore(root: storeRoot) }
    func runtime() throws -> ContainerRuntime { try ContainerRuntime(root: storeRoot, logger: try logger()) }
}

