import SwrunOS

extension Instruction {
    /// The instruction with the fields BuildKit expands (ADD, COPY, ENV, EXPOSE, LABEL,
    /// STOPSIGNAL, USER, VOLUME, WORKDIR, ARG names and defaults, RUN `--mount` values;
    /// heredoc bodies of COPY/ADD whose delimiter is unquoted) expanded with `variables`.
    /// RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK/ONBUILD/MAINTAINER are left as written.
    /// Errors read as BuildKit's, with the line: "dockerfile parse error on line 4: failed to process …".
    public func expanded(with variables: [String: String], escape: Character) throws -> Instruction {
        let lex = ShellLex(escape: escape)
        func word(_ text: String) throws -> String { try lex.processWord(text, variables) }
        var result = self
        do {
            switch kind {
            case .env(let pairs):
                result.kind = .env(try pairs.map { (key: try word($0.key), value: try word($0.value)) })
            case .label(let pairs):
                result.kind = .label(try pairs.map { (key: try word($0.key), value: try word($0.value)) })
            case .arg(let declarations):
                result.kind = .arg(try declarations.map { ArgDeclaration(name: try word($0.name), defaultValue: try $0.defaultValue.map(word)) })
            case .expose(let ports):
                result.kind = .expose(try ports.flatMap { try lex.processWords($0, variables) })
            case .volume(let volumes):
                result.kind = .volume(try volumes.map(word))
            case .workdir(let path):
                result.kind = .workdir(try word(path))
            case .user(let user):
                result.kind = .user(try word(user))
            case .stopsignal(let signal):
                result.kind = .stopsignal(try word(signal))
            case .copy(let copy):
                result.kind = .copy(try copy.expanded(lex: lex, variables: variables))
            case .add(let add):
                result.kind = .add(try add.expanded(lex: lex, variables: variables))
            case .run(var run):
                if !run.mountSpecs.isEmpty {
                    run.mounts = try run.mountSpecs.map { try RunMount.parse($0, expand: word) }
                    run.mountsNeedExpansion = false
                }
                result.kind = .run(run)
            case .cmd, .entrypoint, .shell, .healthcheck, .onbuild, .maintainer:
                break
            }
        } catch let failure as ParseFailure {
            throw DockerfileParser.error(line: line, failure.message)
        } catch let error as SwrunError {
            throw DockerfileParser.error(line: line, error.message)
        }
        return result
    }
}

extension CopyInstruction {
    func expanded(lex: ShellLex, variables: [String: String]) throws -> CopyInstruction {
        var copy = self
        if let from, try lex.processWord(from, [:]) != from {
            throw ParseFailure("variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround")
        }
        copy.chown = try chown.map { try lex.processWord($0, variables) }
        copy.chmod = try chmod.map { try lex.processWord($0, variables) }
        copy.checksum = try copy.checksum.map { try lex.processWord($0, variables) }
        copy.sources = try sources.map { try lex.processWord($0, variables) }
        copy.destination = try lex.processWord(destination, variables)
        // Bodies keep their quotes; the escape is always the backslash here, as in BuildKit.
        var bodyLex = ShellLex()
        bodyLex.skipProcessQuotes = true
        copy.heredocs = try heredocs.map { heredoc in
            var heredoc = heredoc
            if heredoc.expand { heredoc.content = try bodyLex.processWord(heredoc.content, variables) }
            return heredoc
        }
        return copy
    }
}
