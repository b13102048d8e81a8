import SwrunImage
import SwrunOCI

/// Where a stage stands between two steps: the image so far, its config, the ARGs in
/// scope, and the cache key chain.
struct StageState {
    /// The last step's image (nil only for `FROM scratch` before its first step).
    var image: StoredImage?
    var config: ImageConfigFile.Config
    /// The cache key of the last step (for the FROM step: the base image's ID).
    var key: String
    /// False after the first cache miss: every later step of the stage is built.
    var cacheable: Bool
    /// ARGs declared in this stage, in order, and the values of those that have one.
    var argNames: [String] = []
    var argValues: [String: String] = [:]
    /// Whether a CMD was set in this stage (an ENTRYPOINT then keeps it).
    var cmdSet = false

    /// The shell of shell-form instructions: SHELL's, else docker's default.
    var shell: [String] { config.shell ?? ["/bin/sh", "-c"] }

    /// `KEY=value` entries of the config's environment.
    var env: [String] { config.env ?? [] }

    /// The variables instructions are expanded with: ARGs, overridden by ENV (ENV
    /// always wins over an ARG of the same name).
    var variables: [String: String] {
        var result = argValues
        for entry in env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// The ARGs with values that ENV does not override, in declaration order: what a
    /// RUN gets in its environment besides the config's, and its history shows.
    var runArguments: [(String, String)] {
        let envKeys = Set(env.map { String($0.prefix { $0 != "=" }) })
        return argNames.compactMap { name in
            guard !envKeys.contains(name), let value = argValues[name] else { return nil }
            return (name, value)
        }
    }

    mutating func declare(_ name: String, value: String?) {
        if !argNames.contains(name) { argNames.append(name) }
        argValues[name] = value
    }
}
