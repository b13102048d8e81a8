import Glibc
import SwrunOS

/// `swrun build --secret` and `--ssh`, read as docker buildx reads them.
public enum BuildSecretFlags {
    /// BuildKit's limit on a secret's size.
    static let maximumSize = 500 * 1024

    /// `--secret id=X[,type=file|env][,src=FILE|,env=VAR]`: the secret's id and bytes.
    /// With neither a file nor a variable, the variable named by the id if it is set,
    /// else the file named by the id (BuildKit's secrets store).
    public static func secret(_ spec: String, environment: [String: String]) throws -> (id: String, value: [UInt8]) {
        var id = ""
        var type: String?
        var file = ""
        var variable = ""
        for field in spec.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = field.firstIndex(of: "=") else {
                throw SwrunError(.invalidArgument, "invalid field '\(field)' must be a key=value pair")
            }
            let value = String(field[field.index(after: equals)...])
            switch field[..<equals].lowercased() {
            case "type":
                guard value == "file" || value == "env" else { throw SwrunError(.invalidArgument, "unsupported secret type \"\(value)\"") }
                type = value
            case "id": id = value
            case "source", "src": file = value
            case "env": variable = value
            case let key: throw SwrunError(.invalidArgument, "unexpected key '\(key)' in '\(field)'")
            }
        }
        if type == "env" && variable.isEmpty {
            variable = file
            file = ""
        }
        guard !id.isEmpty else { throw SwrunError(.invalidArgument, "secret missing ID") }
        if variable.isEmpty && file.isEmpty {
            if environment[id] != nil { variable = id } else { file = id }
        }
        if !variable.isEmpty { return (id, Array((environment[variable] ?? "").utf8)) }
        var info = stat()
        guard stat(file, &info) == 0 else { throw SwrunError.system("failed to stat \(file)") }
        guard info.st_size <= maximumSize else { throw SwrunError(.invalidArgument, "secret \(id) too big. max size 500KB") }
        return (id, try FileIO.readFile(file))
    }

    /// `--ssh ID[=SOCKET]`: an agent socket by id (`default` alone is SSH_AUTH_SOCK's).
    /// Key files (which BuildKit can load into an agent of its own) are not taken.
    public static func ssh(_ spec: String, environment: [String: String]) throws -> (id: String, socket: String) {
        let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let id = parts[0]
        guard !id.isEmpty else { throw SwrunError(.invalidArgument, "invalid ssh spec \"\(spec)\"") }
        var socket = parts.count > 1 ? parts[1] : ""
        if socket.isEmpty {
            socket = environment["SSH_AUTH_SOCK"] ?? ""
            guard !socket.isEmpty else {
                throw SwrunError(.invalidArgument, "invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set")
            }
        }
        guard !socket.contains(",") else {
            throw SwrunError(.unsupported, "--ssh \(id): only one agent socket is supported, not key files")
        }
        var info = stat()
        guard stat(socket, &info) == 0 else { throw SwrunError.system("failed to stat \(socket)") }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SwrunError(.unsupported, "--ssh \(id): \(socket) is not an agent socket (key files are not supported)")
        }
        // A bind mount needs an absolute source.
        if !socket.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            defer { free(cwd) }
            socket = String(cString: cwd) + "/" + socket
        }
        return (id, socket)
    }
}
