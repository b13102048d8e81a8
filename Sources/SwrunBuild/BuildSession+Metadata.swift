import GoTemplate
import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS

/// The steps that change only the image's config (an `empty_layer` history entry),
/// and WORKDIR, which also makes its directory.
extension BuildSession {
    func metadataStep(_ kind: InstructionKind, in state: inout StageState) throws {
        var config = state.config
        let createdBy = try Self.apply(kind, to: &config, shell: state.shell, cmdSet: &state.cmdSet)
        try commitStep(&state, key: [createdBy], createdBy: createdBy, config: config, layer: nil)
    }

    /// WORKDIR: relative paths continue the current one; a directory the image lacks
    /// is made (root, 0755) in a layer of the step, as BuildKit does.
    func workdirStep(_ path: String, in state: inout StageState) throws {
        let resolved = Self.cleanPath(path.hasPrefix("/") ? path : (state.config.workingDir ?? "/") + "/" + path)
        var config = state.config
        config.workingDir = resolved
        let createdBy = "WORKDIR " + resolved
        let exists = try state.image.map { image in
            let view = try store.overlayView(of: image, upperDir: try emptyDirectory())
            // A missing parent (WORKDIR /srv/app with no /srv) is a missing directory too.
            return (try? view.resolve(resolved, followLast: true))?.node?.isDirectory ?? false
        } ?? false
        let makeDirectory: (() throws -> StepLayer)? = exists ? nil : { [self] in
            let upper = try scratchDirectory("workdir")
            try FileIO.makeDirectories(upper + resolved)
            return StepLayer(directory: upper, remove: { try? FileIO.removeTree(upper) })
        }
        try commitStep(&state, key: [createdBy, exists ? "exists" : "made"], createdBy: createdBy, config: config, layer: makeDirectory)
    }

    /// Applies a config instruction (already expanded) to `config`; returns its
    /// history text, as BuildKit writes it.
    static func apply(_ kind: InstructionKind, to config: inout ImageConfigFile.Config, shell: [String], cmdSet: inout Bool) throws -> String {
        func command(_ form: CommandForm) -> [String] {
            switch form {
            case .exec(let words): return words
            case .shell(let text): return shell + [text]
            }
        }
        switch kind {
        case .env(let pairs):
            var env = config.env ?? []
            for pair in pairs {
                env.removeAll { $0 == pair.key || $0.hasPrefix(pair.key + "=") }
                env.append(pair.key + "=" + pair.value)
            }
            config.env = env
            return "ENV " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .label(let pairs):
            var labels = config.labels ?? [:]
            for pair in pairs { labels[pair.key] = pair.value }
            config.labels = labels
            return "LABEL " + pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .cmd(let form):
            config.cmd = command(form)
            cmdSet = true
            return "CMD " + goQuotedList(command(form))
        case .entrypoint(let form):
            config.entrypoint = command(form)
            // An ENTRYPOINT drops a CMD inherited from the base image, as docker does.
            if !cmdSet { config.cmd = nil }
            return "ENTRYPOINT " + goQuotedList(command(form))
        case .expose(let ports):
            var exposed = Set(config.exposedPorts ?? [])
            for port in ports { exposed.insert(port.contains("/") ? port.lowercased() : port + "/tcp") }
            config.exposedPorts = exposed.sorted()
            return "EXPOSE map[" + ports.map { ($0.contains("/") ? $0.lowercased() : $0 + "/tcp") + ":{}" }.sorted().joined(separator: " ") + "]"
        case .volume(let paths):
            config.volumes = Array(Set((config.volumes ?? []) + paths)).sorted()
            return "VOLUME [" + paths.joined(separator: " ") + "]"
        case .user(let user):
            config.user = user
            return "USER " + user
        case .stopsignal(let signal):
            config.stopSignal = signal
            return "STOPSIGNAL " + signal
        case .shell(let words):
            config.shell = words
            return "SHELL [" + words.joined(separator: " ") + "]"
        case .healthcheck(let check):
            config.healthcheck = check.test == ["NONE"] ? ImageConfigFile.Healthcheck(test: ["NONE"]) : check
            return "HEALTHCHECK " + goQuotedList(check.test)
        case .onbuild(let trigger):
            config.onBuild = (config.onBuild ?? []) + [trigger]
            return "ONBUILD " + trigger
        case .maintainer(let name):
            return "MAINTAINER " + name
        case .arg(let declarations):
            return "ARG " + declarations.map { declaration in
                declaration.defaultValue.map { "\(declaration.name)=\($0)" } ?? declaration.name
            }.joined(separator: " ")
        case .workdir(let path):
            config.workingDir = path
            return "WORKDIR " + path
        case .run, .copy, .add:
            throw SwrunError(.internalError, "not a config instruction")
        }
    }

    /// Go's `%q` of a string slice: `["/bin/sh" "-c" "echo hi"]`.
    static func goQuotedList(_ words: [String]) -> String {
        "[" + words.map { goQuoted($0) }.joined(separator: " ") + "]"
    }

    /// `/a/./b/../c/` → `/a/c`.
    static func cleanPath(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// A new empty directory under `Builder.scratchRoot`, which the caller removes.
    func scratchDirectory(_ purpose: String) throws -> String {
        let root = Builder.scratchRoot(of: store)
        // A COPY's tree is made here and deleted once it is a layer.
        try FileIO.makeSpreadDirectory(root)
        let path = root + "/\(purpose)-" + Self.randomHex()
        try FileIO.makeDirectories(path, mode: 0o755)
        return path
    }

    /// 16 random hex digits, for names that must not collide.
    static func randomHex() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// An empty directory to stand as the upper dir of read-only views of an image.
    func emptyDirectory() throws -> String {
        let path = Builder.scratchRoot(of: store) + "/empty"
        try FileIO.makeDirectories(path)
        return path
    }
}
