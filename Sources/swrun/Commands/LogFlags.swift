import ArgumentParser
import SwrunRuntime

/// `--log-driver` and `--log-opt` (run, create).
struct LogFlags: ParsableArguments {
    @Option(name: .customLong("log-driver"), help: "Logging driver for the container: json-file or none.")
    var logDriver: String?
    @Option(name: .customLong("log-opt"), help: "Log driver option (max-size=10m, max-file=3, labels=…, env=…).")
    var logOpt: [String] = []

    /// nil when neither flag was given (json-file, no options).
    func config() throws -> ContainerLogConfig? {
        if logDriver == nil && logOpt.isEmpty { return nil }
        return try ContainerLogConfig(driver: logDriver, options: logOpt)
    }
}
