import ArgumentParser
import GoTemplate
import SwrunOCI
import SwrunOS

/// `--health-*` and `--no-healthcheck` (run, create), checked as docker checks them.
struct HealthFlags: ParsableArguments {
    @Option(name: .customLong("health-cmd"), help: "Command to run to check health.")
    var healthCmd: String?
    @Option(name: .customLong("health-interval"), parsing: .unconditional, help: "Time between running the check (ms|s|m|h) (default 30s).")
    var healthInterval: String?
    @Option(name: .customLong("health-timeout"), parsing: .unconditional, help: "Maximum time to allow one check to run (ms|s|m|h) (default 30s).")
    var healthTimeout: String?
    @Option(name: .customLong("health-retries"), parsing: .unconditional, help: "Consecutive failures needed to report unhealthy.")
    var healthRetries: Int?
    @Option(name: .customLong("health-start-period"), parsing: .unconditional, help: "Start period for the container to initialize before counting retries (ms|s|m|h).")
    var healthStartPeriod: String?
    @Option(name: .customLong("health-start-interval"), parsing: .unconditional, help: "Time between running the check during the start period (ms|s|m|h) (default 5s).")
    var healthStartInterval: String?
    @Flag(name: .customLong("no-healthcheck"), help: "Disable any container-specified HEALTHCHECK.")
    var noHealthcheck = false

    /// nil when no flag was given (the image's healthcheck, if any, applies).
    func healthcheck() throws -> ImageConfigFile.Healthcheck? {
        let timings = [healthInterval, healthTimeout, healthStartPeriod, healthStartInterval]
        let any = healthCmd != nil || healthRetries != nil || timings.contains { $0 != nil }
        if noHealthcheck {
            if any { throw SwrunError(.invalidArgument, "--no-healthcheck conflicts with --health-* options") }
            return ImageConfigFile.Healthcheck(test: ["NONE"])
        }
        guard any else { return nil }
        if let retries = healthRetries, retries < 0 { throw SwrunError(.invalidArgument, "--health-retries cannot be negative") }
        return ImageConfigFile.Healthcheck(
            test: healthCmd.map { ["CMD-SHELL", $0] } ?? [],
            interval: try Self.duration(healthInterval, "--health-interval", daemonName: "Interval"),
            timeout: try Self.duration(healthTimeout, "--health-timeout", daemonName: "Timeout"),
            startPeriod: try Self.duration(healthStartPeriod, "--health-start-period", daemonName: "StartPeriod"),
            startInterval: try Self.duration(healthStartInterval, "--health-start-interval", daemonName: "StartInterval"),
            retries: healthRetries)
    }

    /// A Go duration in ns; nil for absent or zero (docker's "use the default").
    static func duration(_ text: String?, _ flag: String, daemonName: String) throws -> Int64? {
        guard let text else { return nil }
        let nanos: Int64
        do {
            nanos = try GoDuration.parse(text)
        } catch {
            throw SwrunError(.invalidArgument, "invalid argument \"\(text)\" for \"\(flag)\" flag: \(error.message)")
        }
        if nanos < 0 { throw SwrunError(.invalidArgument, "\(flag) cannot be negative") }
        if nanos == 0 { return nil }
        if nanos < 1_000_000 { throw SwrunError(.invalidArgument, "\(daemonName) in Healthcheck cannot be less than 1ms") }
        return nanos
    }
}
