import SwrunRuntime

extension RunRequest {
    static let commonLine = CommonLine(
        flags: ["rm": nil, "detach": "d", "interactive": "i", "tty": "t", "privileged": nil, "read-only": nil, "init": nil],
        options: ["env": "e", "user": "u", "workdir": "w", "name": nil, "hostname": "h", "entrypoint": nil,
                  "network": nil, "net": nil, "volume": "v", "tmpfs": nil, "publish": "p"])

    /// The common `swrun run` lines read without argument-parser (`CommonLine`); nil
    /// for any other. `RunParseTests` checks that both readings agree.
    static func parseCommon(_ arguments: [String]) -> RunRequest? {
        guard let reading = commonLine.read(arguments) else { return nil }
        var options = ContainerOptions()
        var detach = false
        for (name, value) in reading.given {
            switch (name, value) {
            case ("rm", _): options.autoRemove = true
            case ("detach", _): detach = true
            case ("interactive", _): options.interactive = true
            case ("tty", _): options.tty = true
            case ("privileged", _): options.privileged = true
            case ("read-only", _): options.readOnly = true
            case ("init", _): options.useInit = true
            case ("env", let value?): options.env.append(value)
            case ("user", let value?): options.user = value
            case ("workdir", let value?): options.workdir = value
            case ("name", let value?): options.name = value
            case ("hostname", let value?): options.hostname = value
            case ("entrypoint", let value?): options.entrypoint = value
            case ("network", let value?), ("net", let value?): options.network = value
            case ("volume", let value?): options.volumes.append(value)
            case ("tmpfs", let value?): options.tmpfs.append(value)
            case ("publish", let value?): options.publish.append(value)
            default: return nil
            }
        }
        options.command = reading.rest
        return RunRequest(global: .none, image: reading.operand, options: options, detach: detach,
                          detachKeys: AttachOptions.defaultDetachKeys)
    }
}
