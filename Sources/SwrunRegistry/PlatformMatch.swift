import SwrunOCI
import SwrunOS

/// Choosing one image from a multi-platform index, as docker's platform matcher does.
extension RegistryClient {
    /// The manifest of `index` (an OCI index or Docker manifest list, as bytes) for
    /// `os`/`architecture`/`variant`. Without a variant the plainest entry wins (no
    /// variant, or `v8` for arm64, where the two mean the same); with one, it must
    /// match. Attestation entries (`unknown/unknown`) never match. When nothing
    /// matches, the error lists the platforms the index offers.
    public static func selectPlatform(
        index bytes: [UInt8], os: String = "linux", architecture: String = HostSystem.goArch, variant: String? = nil
    ) throws -> Descriptor {
        let index = try OCIJSON.decode(ImageIndex.self, from: bytes, what: "image index")
        let wantArch = normalizeArchitecture(architecture)
        let wantVariant = normalizeVariant(variant, architecture: wantArch)
        var best: (rank: Int, descriptor: Descriptor)?
        for descriptor in index.manifests {
            guard let platform = descriptor.platform, platform.os == os,
                  normalizeArchitecture(platform.architecture) == wantArch else { continue }
            let have = normalizeVariant(platform.variant, architecture: wantArch)
            let rank: Int
            if let wantVariant {
                guard have == wantVariant else { continue }
                rank = 0
            } else if wantArch == "arm64" {
                guard have == nil else { continue }
                rank = 0
            } else {
                rank = have == nil ? 0 : 1
            }
            if rank < (best?.rank ?? Int.max) { best = (rank, descriptor) }
        }
        if let best { return best.descriptor }
        let wanted = [os, wantArch, wantVariant].compactMap { $0 }.joined(separator: "/")
        let available = index.manifests.compactMap(\.platform)
            .filter { $0.os != "unknown" && $0.architecture != "unknown" }
            .map { [$0.os, $0.architecture, $0.variant].compactMap { $0 }.joined(separator: "/") }
        let list = available.isEmpty ? "none" : available.joined(separator: ", ")
        throw SwrunError(.notFound, "no matching manifest for \(wanted) in the manifest list entries (available: \(list))")
    }

    /// `x86_64` → `amd64`, `aarch64` → `arm64`: uname names to GOARCH names.
    static func normalizeArchitecture(_ architecture: String) -> String {
        switch architecture.lowercased() {
        case "x86_64", "x86-64": return "amd64"
        case "aarch64": return "arm64"
        case "armhf": return "arm"
        default: return architecture.lowercased()
        }
    }

    /// nil for "no variant", with arm64's `v8` folded into it.
    static func normalizeVariant(_ variant: String?, architecture: String) -> String? {
        guard let variant, !variant.isEmpty else { return nil }
        if architecture == "arm64", variant.lowercased() == "v8" { return nil }
        return variant.lowercased()
    }
}
