import SwrunOS
import Testing
@testable import SwrunDockerfile

/// Helpers for reading parse results in tests.
extension Instruction {
    var run: RunInstruction? { if case .run(let run) = kind { run } else { nil } }
    var copy: CopyInstruction? {
        switch kind {
        case .copy(let copy), .add(let copy): copy
        default: nil
        }
    }
    var pairs: [String]? {
        switch kind {
        case .env(let pairs), .label(let pairs): pairs.map { "\($0.key)=\($0.value)" }
        default: nil
        }
    }
    var healthcheck: HealthcheckInstruction? { if case .healthcheck(let check) = kind { check } else { nil } }
    var text: String? {
        switch kind {
        case .workdir(let s), .user(let s), .stopsignal(let s), .onbuild(let s), .maintainer(let s): s
        default: nil
        }
    }
    var list: [String]? {
        switch kind {
        case .expose(let l), .volume(let l), .shell(let l): l
        default: nil
        }
    }
    var command: CommandForm? {
        switch kind {
        case .cmd(let form), .entrypoint(let form): form
        case .run(let run): run.command
        default: nil
        }
    }
    var args: [ArgDeclaration]? { if case .arg(let a) = kind { a } else { nil } }
}

/// The instructions of the only stage of `text`.
func instructions(_ text: String) throws -> [Instruction] {
    let dockerfile = try Dockerfile.parse(text)
    return dockerfile.stages.last?.instructions ?? []
}

/// The one instruction after `FROM scratch`.
func instruction(_ line: String) throws -> Instruction {
    let all = try instructions("FROM scratch\n" + line + "\n")
    guard all.count == 1 else { throw SwrunError(.internalError, "expected one instruction, got \(all.count)") }
    return all[0]
}

/// The message `text` fails to parse with.
func parseError(_ text: String) -> String? {
    do {
        _ = try Dockerfile.parse(text)
        return nil
    } catch let error as SwrunError {
        return error.message
    } catch {
        return "\(error)"
    }
}
