#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwrunOCI
import SwrunOS

extension ImageStore {
    /// An image swrun can create offline from a rootfs tarball built on this host.
    struct DefaultImage: Sendable {
        /// The full names it is tagged with.
        let tags: [String]
        /// The tarball's file name in the fixture directory.
        let fixture: String
        /// The script in `rootfs-fixtures/` that builds the tarball.
        let buildScript: String
        let cmd: [String]
    }

    static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static let defaultImages = [
        DefaultImage(
            tags: ["docker.io/library/busybox:latest"], fixture: "busybox.tar",
            buildScript: "build-busybox.sh", cmd: ["sh"]),
        DefaultImage(
            tags: ["docker.io/library/debian:bookworm", "docker.io/library/debian:latest"], fixture: "debian.tar",
            buildScript: "build-debian.sh", cmd: ["bash"]),
    ]

    /// Where the default images' tarballs are: `$SWRUN_FIXTURES`, else `/var/cache/swrun/fixtures`.
    static var defaultFixtureDirectory: String {
        ProcessInfo.processInfo.environment["SWRUN_FIXTURES"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/var/cache/swrun/fixtures"
    }

    /// Like `resolve`, but a default image (`busybox`, `debian`, `debian:bookworm`)
    /// missing from the store is first imported from its offline tarball. Other
    /// missing names → `.notFound` (the caller may pull them).
    public func resolveOrSeed(_ name: String) throws -> StoredImage {
        do {
            return try resolve(name)
        } catch let error as SwrunError where error.code == .notFound {
            guard let reference = try? Reference(parsing: name), reference.digest == nil else { throw error }
            guard let image = Self.defaultImages.first(where: { $0.tags.contains(reference.fullName) }) else {
                throw SwrunError(.notFound, "No such image: \(reference.familiarName)")
            }
            return try seed(image, requested: reference)
        }
    }

    /// Imports a default image under the store's seed lock, unless another process
    /// did while this one waited for it.
    private func seed(_ image: DefaultImage, requested: Reference) throws -> StoredImage {
        let path = fixtureDirectory + "/" + image.fixture
        return try FileLock.withExclusiveLock(root + "/.seed.lock") {
            do {
                return try resolve(requested.fullName)
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
            return try importImage(
                inputFD: fd, config: .init(env: [Self.defaultPath], cmd: image.cmd), created: created,
                history: .init(createdBy: "swrun import \(image.fixture)", comment: "Imported from \(image.fixture)"),
                tags: tags)
        }
    }
}
