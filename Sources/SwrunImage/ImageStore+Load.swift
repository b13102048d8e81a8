#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SwrunLayer
import SwrunDigest
import SwrunOCI
import SwrunOS

/// What `load` stored: an image and the tags now pointing at it.
public struct LoadedImage: Sendable {
    public let id: Digest
    /// Familiar names (`busybox:latest`); empty for an untagged image.
    public let tags: [String]
}

extension ImageStore {
    /// One image found in an archive, before anything is stored.
    private struct ArchiveImage {
        var configPath: String
        var configDigest: Digest?
        var manifest: (path: String, descriptor: Descriptor)?
        var layers: [(path: String, descriptor: Descriptor?)]
        var tags: [Reference]
    }

    /// `docker load`: reads a docker-archive or OCI archive (tar, optionally gzip or
    /// zstd) from `fd`, verifies every blob's digest and every layer's DiffID, and
    /// only then stores the images and moves their tags. Any mismatch stores nothing.
    public func load(fromFD fd: Int32) throws -> [LoadedImage] {
        workArea.removeStale()
        return try workArea.withDirectory { work in
            let files = try ArchiveFiles(fd: fd, directory: work + "/files")
            return try whilePublishing { try load(files, work: work) }
        }
    }

    /// `load` of an OCI image layout directory (what `skopeo copy … oci:DIR` and
    /// `swrun save --format oci-dir` write), or an unpacked docker-archive. The
    /// directory is only read: its files are copied into the store, never linked.
    public func load(fromDirectory directory: String) throws -> [LoadedImage] {
        workArea.removeStale()
        return try workArea.withDirectory { work in
            let files = try ArchiveFiles(directory: directory)
            return try whilePublishing { try load(files, work: work) }
        }
    }

    private func load(_ files: ArchiveFiles, work: String) throws -> [LoadedImage] {
        try verifyNamedBlobs(files)
        let images: [ArchiveImage]
        if files.path(of: "manifest.json") != nil {
            images = try dockerImages(files)
        } else if files.path(of: "index.json") != nil {
            images = try ociImages(files)
        } else {
            throw SwrunError(.invalidArgument, "load: the archive has neither manifest.json nor index.json")
        }
        guard !images.isEmpty else { throw SwrunError(.invalidArgument, "load: the archive holds no image") }
        var verified: [VerifiedImage] = []
        for (position, image) in images.enumerated() {
            verified.append(try verify(image, files: files, work: work + "/layer-\(position)"))
        }
        var published = Set<Digest>()
        for image in verified {
            for (path, digest) in image.blobs where published.insert(digest).inserted {
                if FileIO.exists(blobPath(digest)) { continue }
                // Our own extracted copy is linked in; a user's file is copied and hashed again.
                let (_, size, _) = try hashFile(path, in: files)
                try content.ingest(contentsOf: path, digest: digest, size: size, linkable: files.ownsFiles)
            }
        }
        // The layers were unpacked to check their DiffIDs; keep them for `run`.
        for image in verified {
            for (directory, diffID) in image.unpacked { try layerStore.adopt(directory, diffID: diffID) }
        }
        let loaded = try tagIndex.update { index in
            var loaded: [LoadedImage] = []
            for image in verified {
                if image.tags.isEmpty { TagIndex.addUntagged(image.manifest, to: &index) }
                for tag in image.tags { TagIndex.setTag(tag.fullName, to: image.manifest, in: &index) }
                let stored = try loadImage(image.manifest, repoTags: [])
                loaded.append(LoadedImage(id: stored.id, tags: image.tags.map(\.familiarName)))
            }
            return loaded
        }
        for image in loaded { recordImageEvent("load", id: image.id.string, name: image.id.string) }
        return loaded
    }

    /// An image whose blobs and layers all checked out: its manifest, its tags, the
    /// files to store as blobs and the layer dirs unpacked while checking.
    private struct VerifiedImage {
        var manifest: Descriptor
        var tags: [Reference]
        var blobs: [(String, Digest)]
        var unpacked: [(String, Digest)]
    }

    /// Checks every `blobs/sha256/<hex>` file of the archive against its name, whether
    /// or not an image refers to it (docker-archive readers go by `manifest.json`, OCI
    /// readers by `index.json`: a bad blob must fail both).
    private func verifyNamedBlobs(_ files: ArchiveFiles) throws {
        for (name, path) in files.regularFiles where name.hasPrefix("blobs/sha256/") {
            guard let expected = try? Digest(sha256Hex: String(name.dropFirst("blobs/sha256/".count))) else { continue }
            let (actual, _, _) = try hashFile(path, in: files)
            guard actual == expected else {
                throw SwrunError(.corrupt, "load: blob \(expected) has digest \(actual)")
            }
        }
    }

    /// Checks one image's blobs and layers, unpacking each layer under `work` to
    /// check its DiffID.
    private func verify(_ image: ArchiveImage, files: ArchiveFiles, work: String) throws -> VerifiedImage {
        let configBytes = try FileIO.readFile(image.configPath)
        let configDigest = Digest.sha256(of: configBytes)
        if let expected = image.configDigest, expected != configDigest {
            throw SwrunError(.corrupt, "load: config \(expected.short) has digest \(configDigest)")
        }
        let config = try OCIJSON.decode(ImageConfigFile.self, from: configBytes, what: "config \(configDigest)")
        guard config.rootfs.diffIDs.count == image.layers.count else {
            throw SwrunError(.corrupt, "load: image \(configDigest.short) has \(image.layers.count) layers but \(config.rootfs.diffIDs.count) diff_ids")
        }
        var blobs: [(String, Digest)] = [(image.configPath, configDigest)]
        var layers: [Descriptor] = []
        var unpacked: [(String, Digest)] = []
        for (position, layer) in image.layers.enumerated() {
            let (digest, size, mediaType) = try hashFile(layer.path, in: files)
            if let expected = layer.descriptor, expected.digest != digest || expected.size != size {
                throw SwrunError(.corrupt, "load: layer \(expected.digest.short) has digest \(digest) and \(size) bytes")
            }
            let destination = work + "-\(position)"
            guard mkdir(destination, 0o755) == 0 else { throw SwrunError.system("mkdir \(destination)") }
            let fd = open(layer.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SwrunError.system("open \(layer.path)") }
            defer { Glibc.close(fd) }
            let digests: LayerDigests
            do {
                digests = try LayerExtractor.extract(inputFD: fd, destination: destination, teeFD: nil)
            } catch let error as SwrunError {
                throw SwrunError(.corrupt, "load: layer \(digest.short): \(error.message)")
            }
            let diffID = config.rootfs.diffIDs[position]
            guard digests.diffID == diffID.string else {
                throw SwrunError(.corrupt, "load: layer \(digest.short) has DiffID \(digests.diffID), the config says \(diffID)")
            }
            unpacked.append((destination, diffID))
            blobs.append((layer.path, digest))
            layers.append(Descriptor(mediaType: layer.descriptor?.mediaType ?? mediaType, digest: digest, size: size))
        }
        if let manifest = image.manifest {
            let bytes = try FileIO.readFile(manifest.path)
            let digest = Digest.sha256(of: bytes)
            guard digest == manifest.descriptor.digest, Int64(bytes.count) == manifest.descriptor.size else {
                throw SwrunError(.corrupt, "load: manifest \(manifest.descriptor.digest.short) has digest \(digest)")
            }
            blobs.append((manifest.path, digest))
            return VerifiedImage(
                manifest: Descriptor(mediaType: manifest.descriptor.mediaType, digest: digest, size: manifest.descriptor.size),
                tags: image.tags, blobs: blobs, unpacked: unpacked)
        }
        let manifest = ImageManifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
            layers: layers)
        let bytes = try OCIJSON.encode(manifest)
        let path = work + "-manifest.json"
        try FileIO.writeFile(path, bytes: bytes)
        let digest = Digest.sha256(of: bytes)
        blobs.append((path, digest))
        return VerifiedImage(
            manifest: Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count)),
            tags: image.tags, blobs: blobs, unpacked: unpacked)
    }

    /// The images of docker's `manifest.json`.
    private func dockerImages(_ files: ArchiveFiles) throws -> [ArchiveImage] {
        let entries: [DockerArchiveManifest]
        do {
            entries = try JSONDecoder().decode([DockerArchiveManifest].self, from: Data(try files.read("manifest.json")))
        } catch let error as SwrunError {
            throw error
        } catch {
            throw SwrunError(.corrupt, "load: manifest.json: \(error)")
        }
        return try entries.map { entry in
            let tags = try (entry.repoTags ?? []).map { tag in
                try Reference(parsing: tag)
            }
            let layers = try entry.layers.map { name in
                let expected = Self.digestInName(name)
                return (path: try files.required(name), descriptor: Optional<Descriptor>.none, expected: expected)
            }
            var image = ArchiveImage(
                configPath: try files.required(entry.config), configDigest: Self.digestInName(entry.config),
                manifest: nil, layers: [], tags: tags)
            for layer in layers {
                if let expected = layer.expected {
                    let size = try Self.fileSize(layer.path)
                    image.layers.append((layer.path, Descriptor(mediaType: Self.sniffMediaType(layer.path), digest: expected, size: size)))
                } else {
                    image.layers.append((layer.path, nil))
                }
            }
            return image
        }
    }

    /// The images of an OCI layout's `index.json`.
    private func ociImages(_ files: ArchiveFiles) throws -> [ArchiveImage] {
        let index = try OCIJSON.decode(ImageIndex.self, from: try files.read("index.json"), what: "index.json")
        var images: [ArchiveImage] = []
        for entry in index.manifests {
            var target = entry
            if MediaType.isIndex(entry.mediaType) {
                let bytes = try files.read(Self.blobName(entry.digest))
                guard Digest.sha256(of: bytes) == entry.digest else {
                    throw SwrunError(.corrupt, "load: index \(entry.digest.short) does not match its digest")
                }
                let nested = try OCIJSON.decode(ImageIndex.self, from: bytes, what: "index \(entry.digest)")
                let architecture = HostSystem.goArch
                guard let match = nested.manifests.first(where: {
                    MediaType.isManifest($0.mediaType) && ($0.platform == nil || $0.platform?.architecture == architecture)
                }) else { continue }
                target = match
            }
            guard MediaType.isManifest(target.mediaType) else { continue }
            let manifestPath = try files.required(Self.blobName(target.digest))
            let manifest = try OCIJSON.decode(ImageManifest.self, from: FileIO.readFile(manifestPath), what: "manifest \(target.digest)")
            let tag = Self.tagOfIndexEntry(entry)
            let descriptor = Descriptor(mediaType: target.mediaType, digest: target.digest, size: target.size)
            if let position = images.firstIndex(where: { $0.manifest?.descriptor.digest == target.digest }) {
                if let tag { images[position].tags.append(tag) }
                continue
            }
            images.append(ArchiveImage(
                configPath: try files.required(Self.blobName(manifest.config.digest)), configDigest: manifest.config.digest,
                manifest: (manifestPath, descriptor),
                layers: try manifest.layers.map { (try files.required(Self.blobName($0.digest)), $0) },
                tags: tag.map { [$0] } ?? []))
        }
        return images
    }

    /// The name an OCI index entry gives: containerd's full name, or a ref name that
    /// is a whole reference (`localhost/bb:1`); a bare tag (`latest`) names nothing.
    private static func tagOfIndexEntry(_ entry: Descriptor) -> Reference? {
        if let name = entry.annotations?[containerdImageNameKey], let reference = try? Reference(parsing: name),
           reference.digest == nil {
            return reference
        }
        guard let name = TagIndex.refName(of: entry), name.contains("/") || name.contains(":"),
              let reference = try? Reference(parsing: name), reference.digest == nil else { return nil }
        return reference
    }

    private static func blobName(_ digest: Digest) -> String { "blobs/\(digest.algorithm)/\(digest.hex)" }

    /// The digest a docker-archive path names: `blobs/sha256/<hex>` or `<hex>.json`.
    private static func digestInName(_ name: String) -> Digest? {
        var base = String(name.split(separator: "/").last ?? "")
        if base.hasSuffix(".json") { base.removeLast(5) }
        if name.hasPrefix("blobs/sha256/") || name.hasSuffix(".json") { return try? Digest(sha256Hex: base) }
        return nil
    }

    private static func fileSize(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw SwrunError.system("stat \(path)") }
        return Int64(st.st_size)
    }

    /// The layer media type its first bytes show: gzip, zstd or plain tar.
    private static func sniffMediaType(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return MediaType.ociLayerTar }
        defer { Glibc.close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = magic.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4) }
        if count >= 2, magic[0] == 0x1f, magic[1] == 0x8b { return MediaType.ociLayerTarGzip }
        if count == 4, magic == [0x28, 0xb5, 0x2f, 0xfd] { return MediaType.ociLayerTarZstd }
        return MediaType.ociLayerTar
    }

    /// `hashFile`, using the digest `files` took while writing the file, if it did.
    private func hashFile(_ path: String, in files: ArchiveFiles) throws -> (Digest, Int64, String) {
        if let (digest, size) = files.digests[path] { return (digest, size, Self.sniffMediaType(path)) }
        let result = try hashFile(path)
        files.digests[path] = (result.0, result.1)
        return result
    }

    /// sha256, size and sniffed media type of a file.
    private func hashFile(_ path: String) throws -> (Digest, Int64, String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SwrunError.system("open \(path)") }
        defer { Glibc.close(fd) }
        let (digest, total) = try ContentStore.digest(ofFD: fd, path: path)
        return (digest, total, Self.sniffMediaType(path))
    }
}

/// The regular files of a tar archive, written under a directory by number (so no
/// archive name can reach outside it) and found by their normalised archive names.
/// Symlinks and hard links are followed by name, inside the archive only.
private final class ArchiveFiles {
    private var files: [String: String] = [:]
    /// Archive name → extracted path of every regular file.
    var regularFiles: [String: String] { files }
    private var links: [String: String] = [:]
    /// Extracted path → sha256 and size, taken while extracting (archives) or on first
    /// use (directories), so each file is hashed once.
    var digests: [String: (Digest, Int64)] = [:]
    /// Whether the files are this process's own extracted copies (false for a
    /// directory the user named).
    let ownsFiles: Bool

    /// The regular files and symlinks under `directory`, by their relative names.
    init(directory: String) throws {
        ownsFiles = false
        var st = stat()
        guard stat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw SwrunError(.invalidArgument, "load: \(directory) is not a directory")
        }
        try walk(directory, relative: "")
    }

    private func walk(_ directory: String, relative: String) throws {
        guard let handle = opendir(directory) else { throw SwrunError.system("opendir \(directory)") }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            let archiveName = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { throw SwrunError.system("lstat \(path)") }
            switch st.st_mode & S_IFMT {
            case S_IFREG: files[archiveName] = path
            case S_IFDIR: try walk(path, relative: archiveName)
            case S_IFLNK:
                if let target = try? FileIO.readLink(path) { addSymlink(archiveName, target: target) }
            default: continue
            }
        }
    }

    private func addSymlink(_ name: String, target text: String) {
        let parent = name.split(separator: "/").dropLast().joined(separator: "/")
        let joined = text.hasPrefix("/") ? text : (parent.isEmpty ? text : parent + "/" + text)
        if let resolved = Self.normalise(joined) { links[name] = resolved }
    }

    init(fd: Int32, directory: String) throws {
        ownsFiles = true
        guard mkdir(directory, 0o700) == 0 else { throw SwrunError.system("mkdir \(directory)") }
        let reader = try TarReader(fd: fd, label: "load")
        var count = 0
        while let entry = try reader.next() {
            guard let name = Self.normalise(entry.path) else { continue }
            if let hardlink = entry.hardlinkTarget {
                if let target = Self.normalise(hardlink) { links[name] = target }
                continue
            }
            switch entry.type {
            case S_IFREG:
                count += 1
                let path = directory + "/\(count)"
                let out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard out >= 0 else { throw SwrunError.system("open \(path)") }
                defer { Glibc.close(out) }
                digests[path] = try Self.copyData(reader, to: out, path: path, name: name)
                files[name] = path
            case S_IFLNK:
                if let target = entry.symlinkTarget { addSymlink(name, target: target) }
            default:
                continue
            }
        }
    }

    /// Writes the current entry's data to `fd`, hashing it on the way.
    private static func copyData(_ reader: TarReader, to fd: Int32, path: String, name: String) throws -> (Digest, Int64) {
        var hasher = DigestHasher()
        var size: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.readData(into: $0, name: name) }
            if count == 0 { return (hasher.finalize(), size) }
            hasher.update(buffer[0..<count])
            try buffer.withUnsafeBytes { try FileIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<count]), step: "write \(path)") }
            size += Int64(count)
        }
    }

    /// The extracted file for an archive name, following links (at most 16).
    func path(of name: String) -> String? {
        guard var current = Self.normalise(name) else { return nil }
        for _ in 0..<16 {
            if let path = files[current] { return path }
            guard let next = links[current] else { return nil }
            current = next
        }
        return nil
    }

    func required(_ name: String) throws -> String {
        guard let path = path(of: name) else { throw SwrunError(.corrupt, "load: the archive has no \(name)") }
        return path
    }

    func read(_ name: String) throws -> [UInt8] { try FileIO.readFile(required(name)) }

    /// `./a//b/` → `a/b`; `..` pops a component but never above the top.
    private static func normalise(_ name: String) -> String? {
        var parts: [Substring] = []
        for part in name.split(separator: "/") where part != "." {
            if part == ".." {
                if parts.isEmpty { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}
