import SwrunRuntime

extension ExecRequest {
    static let commonLine = CommonLine(
        flags: ["detach": "d", "interactive": "i", "tty": "t", "privileged": nil],
        options: ["env": "e", "user": "u", "workdir": "w"])

    /// The common `swrun exec` lines read without argument-parser (`CommonLine`); nil
    /// for any other. `ExecParseTests` checks that both readings agree.
    static func parseCommon(_ arguments: [String]) -> ExecRequest? {
        guard let reading = commonLine.read(arguments) else { return nil }
        var options = ExecOptions()
        var detach = false
        for (name, value) in reading.given {
            switch (name, value) {
            case ("detach", _): detach = true
            case ("interactive", _): options.interactive = true
            case ("tty", _): options.tty = true
            case ("privileged", _): options.privileged = true
            case ("env", let value?): options.env.append(value)
            case ("user", let value?): options.user = value
            case ("workdir", let value?): options.workdir = value
            default: return nil
            }
        }
        options.command = reading.rest
        return ExecRequest(global: .none, container: reading.operand, options: options, detach: detach,
                           detachKeys: AttachOptions.defaultDetachKeys)
    }
}
