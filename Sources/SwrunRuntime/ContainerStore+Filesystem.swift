import SwrunOS

/// Where a container's filesystem lives under `<root>/containers/<id>/`.
public struct ContainerFilesystemLayout: Sendable {
    /// The container's directory.
    public let directory: String

    /// The names of the files swrun writes for the container and bind-mounts over its
    /// `/etc/NAME`.
    public static let runtimeFileNames = ["hostname", "hosts", "resolv.conf"]

    /// The overlay upper dir: everything the container changed in its image.
    public var upperDir: String { directory + "/upper" }
    /// The overlay work dir.
    public var workDir: String { directory + "/work" }
    /// Where the container's root is mounted (in its own mount namespace only).
    public var rootfs: String { directory + "/rootfs" }

    /// The host file swrun bind-mounts at `/etc/NAME`.
    public func runtimeFile(_ name: String) -> String { directory + "/" + name }

    /// The runtime files that exist, by their path in the container (`etc/hosts`):
    /// what the container sees there instead of its own files.
    public func mountedFiles() -> [String: String] {
        var files: [String: String] = [:]
        for name in Self.runtimeFileNames where FileIO.exists(runtimeFile(name)) {
            files["etc/" + name] = runtimeFile(name)
        }
        return files
    }
}

extension ContainerStore {
    /// The filesystem layout of the container `id`.
    public func filesystem(of id: String) -> ContainerFilesystemLayout {
        ContainerFilesystemLayout(directory: path(of: id))
    }
}
