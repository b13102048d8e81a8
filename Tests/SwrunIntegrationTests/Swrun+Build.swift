import Foundation

/// What the build suites share: a build that reaches no network, and contexts under
/// the sandbox's scratch space.
extension Swrun {
    func build(_ arguments: [String]) -> CommandResult {
        run(["build", "--network", "none"] + arguments, timeout: 120)
    }

    /// A context directory with these files (paths relative to it).
    func buildContext(_ name: String, _ files: [String: String]) throws -> String {
        let directory = scratch + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, text) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: false, encoding: .utf8)
        }
        return directory
    }

    /// A context directory holding only a Dockerfile.
    func buildContext(_ name: String, dockerfile: String) throws -> String {
        try buildContext(name, ["Dockerfile": dockerfile])
    }
}
