import SwrunLayer

/// A container's filesystem: its overlay upper dir over the image's unpacked layers.
extension ImageStore {
    /// The runtime's bind-mount targets (`/etc/hostname`, `/etc/hosts`,
    /// `/etc/resolv.conf`) that appear in an upper dir as empty placeholders when the
    /// image lacked them; left out of commits, diffs and exports.
    public static let runtimePlaceholders = LayerWriter.runtimePlaceholders

    /// The merged view of the upper dir `upperDir` over `image`'s layers (unpacked
    /// here if they are not yet): what a container on `image` sees, with the host
    /// files of `mountedFiles` (`etc/hosts` → host path) in place of its own.
    public func overlayView(of image: StoredImage, upperDir: String, mountedFiles: [String: String] = [:]) throws -> OverlayView {
        try OverlayView(upper: upperDir, lowers: ensureUnpacked(image), mountedFiles: mountedFiles)
    }

    /// Streams what a container on `image` with the overlay upper dir `upperDir` sees
    /// as one tar to `fd` (`docker export`).
    public func exportFilesystem(of image: StoredImage, upperDir: String, to fd: Int32) throws {
        _ = try LayerWriter.writeMerged(layers: ensureUnpacked(image) + [upperDir], to: fd, exclude: Self.runtimePlaceholders)
    }

    /// `docker diff`: what the upper dir `upperDir` changes in `image`
    /// (`OverlayView.changes`), the runtime's placeholders left out.
    public func changes(upperDir: String, image: StoredImage) throws -> [FilesystemChange] {
        try overlayView(of: image, upperDir: upperDir).changes(exclude: Self.runtimePlaceholders)
    }
}
