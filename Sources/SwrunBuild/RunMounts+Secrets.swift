import Glibc
import SwrunDockerfile
import SwrunOS

/// `RUN --mount=type=secret` and `--mount=type=ssh`, as BuildKit's dockerfile frontend
/// reads them: a secret is a file on a tmpfs of this step (or an environment variable),
/// never part of the layer or of the cache key's contents (only its id counts); an
/// ssh mount binds the agent socket that `--ssh` named.
extension RunMounts {
    /// BuildKit: the id is `id=` (or `source=`), else the target's base name; the file
    /// goes to `target=`, else `/run/secrets/<id>`, unless `env=` alone was asked for.
    mutating func addSecret(_ mount: RunMount, session: BuildSession, workdir: String) throws {
        var id = mount.id ?? ""
        if let source = mount.source, !source.isEmpty { id = source }
        if id.isEmpty {
            guard let target = mount.target, !target.isEmpty else {
                throw SwrunError(.invalidArgument, "one of source, target required")
            }
            id = FileIO.baseName(target)
        }
        var target = mount.target.flatMap { $0.isEmpty ? nil : Self.absolute($0, workdir: workdir) }
        if mount.env == nil, target == nil { target = "/run/secrets/" + FileIO.baseName(id) }
        keyParts.append("secret \(id) \(target ?? "") env=\(mount.env ?? "")")
        guard let value = session.options.secrets[id] else {
            if mount.required { throw SwrunError(.notFound, "secret \(id): not found") }
            return
        }
        if let name = mount.env { secretEnv.append(name + "=" + String(decoding: value, as: UTF8.self)) }
        guard let target else { return }
        let directory = try secretDirectory ?? makeSecretDirectory(session: session)
        let file = directory + "/\(targets.count)"
        try FileIO.writeFile(file, bytes: value, mode: 0o400)
        // Mode and owner as asked (BuildKit: 0400, root), whatever the umask.
        guard chown(file, mount.uid ?? 0, mount.gid ?? 0) == 0 else { throw SwrunError.system("chown \(file)") }
        guard chmod(file, mode_t(mount.mode ?? 0o400)) == 0 else { throw SwrunError.system("chmod \(file)") }
        volumes.append(file + ":" + target + ":ro")
        targets.append(target)
    }

    /// The agent socket `--ssh ID=SOCKET` gave, bound at `target=` (BuildKit's default
    /// `/run/buildkit/ssh_agent.N`, N counting this step's ssh mounts); the first one
    /// is SSH_AUTH_SOCK unless the environment sets it. The socket is the host's own,
    /// so `mode=`, `uid=` and `gid=` (for BuildKit's proxy socket) are not applied.
    mutating func addSSH(_ mount: RunMount, session: BuildSession, workdir: String) throws {
        if let source = mount.source, !source.isEmpty { throw SwrunError(.invalidArgument, "ssh does not support source") }
        let id = mount.id.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let target = mount.target.flatMap { $0.isEmpty ? nil : Self.absolute($0, workdir: workdir) }
            ?? "/run/buildkit/ssh_agent.\(sshCount)"
        sshCount += 1
        keyParts.append("ssh \(id) \(target)")
        // Set whether or not the socket was given, as BuildKit's LLB does.
        if env.isEmpty { env.append("SSH_AUTH_SOCK=" + target) }
        guard let socket = session.options.sshSockets[id] else {
            if mount.required { throw SwrunError(.notFound, "no SSH key \"\(id)\" forwarded from the client") }
            return
        }
        volumes.append(socket + ":" + target)
        targets.append(target)
    }

    /// A tmpfs of this step's own under the build's scratch root (mode 0711, as
    /// BuildKit's, so a step's non-root user reaches a file given to it), so a secret
    /// never touches a disk.
    private mutating func makeSecretDirectory(session: BuildSession) throws -> String {
        let directory = try session.scratchDirectory("secrets")
        guard mount("tmpfs", directory, "tmpfs", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), "mode=0711,size=16m") == 0 else {
            let failure = SwrunError.system("mount tmpfs on \(directory)")
            rmdir(directory)
            throw failure
        }
        secretDirectory = directory
        return directory
    }

    /// Unmounts a secrets tmpfs (its files go with it) and removes its mount point.
    static func unmountSecrets(_ directory: String) {
        umount2(directory, Int32(MNT_DETACH))
        rmdir(directory)
    }
}
