#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import SwrunOS

extension SeccompCompiler {
    /// Bumped whenever the compiler's output for the same input changes.
    static let compilerVersion = "swrun-seccomp-1"

    /// `compile`, cached on disk under `cacheDir` so a container start skips libseccomp.
    ///
    /// The file is named by FNV-1a 64 of everything the output depends on (profile bytes,
    /// capability mask, architecture, kernel release, libseccomp and compiler versions).
    /// FNV is not a cryptographic hash and SwrunSecurity has no crypto dependency, so the
    /// name is only a lookup key: each file also stores the whole key material, compared
    /// byte for byte on read, so a collision (crafted or not) is a miss, never a wrong filter.
    /// A file that is short, corrupt or for other input is recompiled and replaced
    /// (temporary file + rename). Failing to write the cache does not fail the call.
    public static func cachedFilter(profileJSON: [UInt8], capabilities: CapabilitySet, cacheDir: String) throws -> [UInt8] {
        try cachedFilter(
            keyMaterial: profileJSON, capabilities: capabilities, cacheDir: cacheDir, platform: .current,
            profile: { try SeccompProfile.parse(json: profileJSON) })
    }

    /// `cachedFilter` for a profile that `keyMaterial` describes completely (any
    /// unambiguous serialization of it); `profile` is called only on a miss.
    public static func cachedFilter(
        keyMaterial: [UInt8], capabilities: CapabilitySet, cacheDir: String, profile: () throws -> SeccompProfile
    ) throws -> [UInt8] {
        try cachedFilter(keyMaterial: keyMaterial, capabilities: capabilities, cacheDir: cacheDir, platform: .current, profile: profile)
    }

    static func cachedFilter(
        keyMaterial: [UInt8], capabilities: CapabilitySet, cacheDir: String, platform: HostPlatform,
        profile: () throws -> SeccompProfile
    ) throws -> [UInt8] {
        let key = cacheKey(profileJSON: keyMaterial, capabilities: capabilities, platform: platform)
        let path = cachePath(cacheDir: cacheDir, key: key)
        if let contents = readFile(path), let filter = FilterCacheFile.decode(contents, key: key) {
            return filter
        }
        let filter = try compile(try profile(), capabilities: capabilities, platform: platform)
        writeCache(FilterCacheFile.encode(filter: filter, key: key), to: path, cacheDir: cacheDir)
        return filter
    }

    static func cachePath(cacheDir: String, key: [UInt8]) -> String {
        let hash = fnv1a64(key)
        let hex = String(hash, radix: 16)
        return cacheDir + "/" + String(repeating: "0", count: 16 - hex.count) + hex + ".bpf"
    }

    /// The input the filter depends on, fixed-length or NUL-terminated fields first so no
    /// two inputs share an encoding.
    static func cacheKey(profileJSON: [UInt8], capabilities: CapabilitySet, platform: HostPlatform) -> [UInt8] {
        var key: [UInt8] = []
        for text in [compilerVersion, libseccompVersion, platform.seccompArch, platform.kernelRelease] {
            key += Array(text.utf8) + [0]
        }
        withUnsafeBytes(of: capabilities.mask.littleEndian) { key += $0 }
        return key + profileJSON
    }

    private static var libseccompVersion: String {
        guard let version = seccomp_version() else { return "unknown" }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0, info.st_size < 16 << 20 else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + done }, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }

    /// Not fsynced: a pure cache. The filter carries its own checksum and key, so a
    /// file a crash left short or empty is a miss that is compiled and written again,
    /// and a first `run` need not wait for the disk.
    private static func writeCache(_ contents: [UInt8], to path: String, cacheDir: String) {
        makeDirectories(cacheDir)
        try? FileIO.writeDurably(at: path, mode: 0o600, durability: .atomic) { fd in
            try FileIO.writeAll(fd, contents, step: "write \(path)")
        }
    }

    private static func makeDirectories(_ path: String) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            mkdir(prefix, 0o700)
        }
    }
}

/// The cache file: "SWRUNBPF", key length, filter length, FNV-1a 64 of the filter (each
/// a little-endian UInt64), then the key, then the filter.
enum FilterCacheFile {
    static let magic = Array("SWRUNBPF".utf8)
    static let headerSize = 32

    static func encode(filter: [UInt8], key: [UInt8]) -> [UInt8] {
        var out = magic
        for field in [UInt64(key.count), UInt64(filter.count), SeccompCompiler.fnv1a64(filter)] {
            withUnsafeBytes(of: field.littleEndian) { out += $0 }
        }
        return out + key + filter
    }

    /// The filter, or nil when the file is for other input or damaged in any way.
    static func decode(_ contents: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard contents.count >= headerSize, Array(contents[0..<8]) == magic else { return nil }
        func field(_ offset: Int) -> UInt64 {
            contents[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        let keyLength = field(8), filterLength = field(16), checksum = field(24)
        guard keyLength == UInt64(key.count),
              filterLength > 0, filterLength % 8 == 0,
              UInt64(contents.count - headerSize) == keyLength + filterLength,
              contents[headerSize..<headerSize + key.count].elementsEqual(key)
        else { return nil }
        let filter = Array(contents[(headerSize + key.count)...])
        guard SeccompCompiler.fnv1a64(filter) == checksum else { return nil }
        return filter
    }
}
