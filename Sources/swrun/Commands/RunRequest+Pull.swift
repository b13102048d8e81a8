import Foundation
import SwrunImage
import SwrunOCI
import SwrunOS

extension RunRequest {
    /// docker refuses to overwrite an ID file, which may belong to a running container.
    static func checkCIDFile(_ path: String?) throws {
        guard let path, FileManager.default.fileExists(atPath: path) else { return }
        throw SwrunError(.conflict, "Container ID file found, make sure the other container isn't running or delete \(path)")
    }

    /// The image as `--pull` asks: pulled again (`always`), pulled when missing, or
    /// only what the store (and its default images) hold (`never`).
    static func resolve(_ name: String, pull: String, store: ImageStore, global: GlobalOptions) throws -> StoredImage {
        switch pull {
        case "never":
            return try DefaultImages(directory: global.fixtureDirectory).resolve(name, in: store)
        case "always":
            let reference = try Reference(parsing: name)
            let client = try RegistryOptions.client(for: reference.domain, global: global)
            defer { client.shutdownBlocking() }
            let progress = TransferProgress(.pull, fd: 2, quiet: false)
            return try Pull.pull(reference, store: store, client: client, platform: .host, progress: progress, header: true).image
        default:
            return try resolveOrPull(name, store: store, global: global)
        }
    }
}
