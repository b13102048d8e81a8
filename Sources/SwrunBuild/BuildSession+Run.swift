import Glibc
import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// RUN: a container of the runtime on the step's image; its upper dir becomes the
/// step's layer.
extension BuildSession {
    func runStep(_ run: RunInstruction, in state: inout StageState, stage: Stage) throws {
        let command = Self.command(of: run, shell: state.shell)
        let arguments = state.runArguments
        var env = state.env
        let envKeys = Set(env.map { String($0.prefix { $0 != "=" }) })
        for (name, value) in arguments + self.arguments.proxies where !envKeys.contains(name) {
            env.append(name + "=" + value)
        }
        let network = Self.networkMode(run.network ?? options.network)
        let mounts = try RunMounts(run.mounts, session: self, stage: stage, state: state)
        defer { mounts.cleanUp() }
        for variable in mounts.env where !envKeys.contains(String(variable.prefix { $0 != "=" })) { env.append(variable) }
        let stubs = try mounts.stubs(absentFrom: state.image.map { try store.overlayView(of: $0, upperDir: try emptyDirectory()) })

        // BuildKit's history text: the ARGs in effect as `|N K=V …`, proxies left out.
        let shown = arguments.map { "\($0.0)=\($0.1)" }
        let createdBy = "RUN " + (shown.isEmpty ? "" : "|\(shown.count) " + shown.joined(separator: " ") + " ")
            + command.joined(separator: " ") + " # buildkit"
        let key = ["RUN", String(reflecting: command), env.joined(separator: "\n"), "network=" + network,
                   "user=" + (state.config.user ?? ""), "workdir=" + (state.config.workingDir ?? "")] + mounts.keyParts
        let current = state
        try commitStep(&state, key: key, createdBy: createdBy, config: current.config) { [self] in
            let layer = try runContainer(command, env: env + mounts.secretEnv, network: network, mounts: mounts, state: current)
            RunMounts.removeStubs(stubs, from: layer.directory)
            return layer
        }
    }

    /// The container's command: exec form as written; shell form through the shell,
    /// with heredocs put back as the shell reads them (or, for `RUN <<EOF` alone, the
    /// heredoc's body is the script).
    static func command(of run: RunInstruction, shell: [String]) -> [String] {
        switch run.command {
        case .exec(let words):
            return words
        case .shell(let text):
            guard !run.heredocs.isEmpty else { return shell + [text] }
            let trimmed = String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            if run.heredocs.count == 1, let heredoc = run.heredocs.first,
               ["<<", "<<-"].flatMap({ op in ["", "\"", "'"].map { q in op + q + heredoc.name + q } }).contains(trimmed) {
                return shell + [heredoc.content]
            }
            var script = text
            for heredoc in run.heredocs {
                script += "\n" + heredoc.content
                if !heredoc.content.hasSuffix("\n") { script += "\n" }
                script += heredoc.name
            }
            return shell + [script]
        }
    }

    /// `default` is the default bridge, as docker's builder.
    static func networkMode(_ mode: String) -> String {
        mode == "default" ? "bridge" : mode
    }

    /// Runs the step's container to its end; after a zero exit its upper dir is the
    /// layer, and removing the layer removes the container. A non-zero exit fails the
    /// build in BuildKit's words; the container goes either way.
    private func runContainer(_ command: [String], env: [String], network: String, mounts: RunMounts, state: StageState) throws -> StepLayer {
        guard let image = state.image else {
            throw SwrunError(.invalidArgument, "process \"\(command.joined(separator: " "))\" did not complete successfully: the image is empty (FROM scratch) and has no \(command.first ?? "command")")
        }
        var snapshot = ImageSnapshot(id: image.id.string, name: "build", config: state.config, layerDirs: try store.ensureUnpacked(image))
        snapshot.env = env
        var container = ContainerOptions()
        container.name = "swrun-build-" + Self.randomHex()
        container.entrypoint = ""
        container.command = command
        container.network = network
        container.volumes = mounts.volumes
        container.tmpfs = mounts.tmpfs
        let runtime = builder.runtime
        let name = container.name ?? ""
        let remove = { [output] in
            guard let made = try? runtime.containers.lookup(name) else { return }
            try? runtime.remove(made, force: true)
            output.removed(made.id)
        }
        let outcome: RunOutcome
        do {
            outcome = try withOutputShown(onFailure: true) {
                try runtime.run(image: snapshot, options: container, detach: false, attach: AttachOptions())
            }
        } catch {
            remove()
            throw SwrunError(.invalidArgument, "process \"\(command.joined(separator: " "))\" did not complete successfully: \(error)")
        }
        guard case .exited(let code) = outcome, code == 0 else {
            remove()
            var code: Int32 = -1
            if case .exited(let exited) = outcome { code = exited }
            let message = "process \"\(command.joined(separator: " "))\" did not complete successfully: exit code: \(code)"
            output.failed(message)
            throw SwrunError(.invalidArgument, message)
        }
        guard let made = try? runtime.containers.lookup(name) else {
            throw SwrunError(.internalError, "the build container \(name) is gone")
        }
        return StepLayer(directory: runtime.containers.filesystem(of: made.id).upperDir,
                         exclude: ImageStore.runtimePlaceholders, remove: remove)
    }

    /// Runs `body` with the container's output reaching the user, except in quiet
    /// mode: then fds 1 and 2 go to a file meanwhile, shown on stderr if the step fails.
    private func withOutputShown(onFailure: Bool, _ body: () throws -> RunOutcome) throws -> RunOutcome {
        guard output.isQuiet else { return try body() }
        try FileIO.makeDirectories(Builder.scratchRoot(of: store))
        let path = Builder.scratchRoot(of: store) + "/output-" + Self.randomHex()
        let file = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard file >= 0 else { throw SwrunError.system("open \(path)") }
        unlink(path)
        defer { close(file) }
        let savedOut = dup(1)
        let savedErr = dup(2)
        dup2(file, 1)
        dup2(file, 2)
        let result = Result { try body() }
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut)
        close(savedErr)
        var failed = true
        if case .success(.exited(0)) = result { failed = false }
        if failed, onFailure {
            lseek(file, 0, SEEK_SET)
            if let captured = try? FileIO.readAll(file) { try? FileIO.writeAll(2, captured) }
        }
        return try result.get()
    }
}
