#if canImport(Glibc)
import Glibc
#endif
import SwrunOCI
import SwrunOS

/// The images swrun creates offline (busybox, debian) from rootfs tarballs built on
/// this host, kept in `directory`. Seeding lives outside the store: the store never
/// looks for tarballs, the CLI says where they are.
public struct DefaultImages: Sendable {
    /// An image swrun can create offline from a rootfs tarball built on this host.
    struct Image: Sendable {
        /// The full names it is tagged with.
        let tags: [String]
        /// The tarball's file name in the fixture directory.
        let fixture: String
        /// The script in `rootfs-fixtures/` that builds the tarball.
        let buildScript: String
        let cmd: [String]
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static let images = [
        Image(
            tags: ["docker.io/library/busybox:latest"], fixture: "busybox.tar",
            buildScript: "build-busybox.sh", cmd: ["sh"]),
        Image(
            tags: ["docker.io/library/debian:bookworm", "docker.io/library/debian:latest"], fixture: "debian.tar",
            buildScript: "build-debian.sh", cmd: ["bash"]),
    ]

    /// Where the tarballs are.
    public let directory: String

    /// The default images whose tarballs are in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// Like `store.resolve`, but a default image (`busybox`, `debian`, `debian:bookworm`)
    /// missing from the store is first imported from its offline tarball. Other
    /// missing names → `.notFound` (the caller may pull them).
    public func resolve(_ name: String, in store: ImageStore) throws -> StoredImage {
        do {
            return try store.resolve(name)
        } catch let error as SwrunError where error.code == .notFound {
            guard let reference = try? Reference(parsing: name), reference.digest == nil else { throw error }
            guard let image = Self.images.first(where: { $0.tags.contains(reference.fullName) }) else {
                throw SwrunError(.notFound, "No such image: \(reference.familiarName)")
            }
            return try seed(image, requested: reference, in: store)
        }
    }

    /// Imports a default image under the store's seed lock, unless another process
    /// did while this one waited for it.
    private func seed(_ image: Image, requested: Reference, in store: ImageStore) throws -> StoredImage {
        let path = directory + "/" + image.fixture
        return try FileLock.withExclusiveLock(store.root + "/.seed.lock") {
            do {
                return try store.resolve(requested.fullName)
            } catch let error as SwrunError where error.code == .notFound {}
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                if errno == ENOENT {
                    throw SwrunError(
                        .notFound,
                        "No such image: \(requested.familiarName): its offline tarball \(path) is missing; "
                            + "build it with scripts/swrun or rootfs-fixtures/\(image.buildScript) \(path)")
                }
                throw SwrunError.system("open \(path)")
            }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw SwrunError.system("fstat \(path)") }
            // The tarball's mtime as the creation time makes the image ID the same in
            // every store seeded from the same tarball.
            let created = Timestamp.format(seconds: Int64(st.st_mtim.tv_sec), nanoseconds: Int64(st.st_mtim.tv_nsec))
            let tags = try image.tags.map(Reference.init(parsing:))
            return try store.importImage(
                inputFD: fd, config: .init(env: [Self.defaultPath], cmd: image.cmd), created: created,
                history: .init(createdBy: "swrun import \(image.fixture)", comment: "Imported from \(image.fixture)"),
                tags: tags)
        }
    }
}
