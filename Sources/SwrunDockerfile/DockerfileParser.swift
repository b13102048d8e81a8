import SwrunOS

/// Reads a Dockerfile's text into stages and instructions.
struct DockerfileParser {
    let text: String
    let fileName: String

    func parse() throws -> Dockerfile {
        throw SwrunError(.unsupported, "dockerfile parser not implemented yet")
    }
}
