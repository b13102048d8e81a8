/// Media types of the OCI image spec and of Docker's image manifest v2 schema 2.
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerTarZstd = "application/vnd.oci.image.layer.v1.tar+zstd"

    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerTarGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    /// Whether `mediaType` names a single-image manifest (OCI or Docker).
    public static func isManifest(_ mediaType: String?) -> Bool {
        mediaType == ociManifest || mediaType == dockerManifest
    }

    /// Whether `mediaType` names a multi-platform index (OCI or Docker).
    public static func isIndex(_ mediaType: String?) -> Bool {
        mediaType == ociIndex || mediaType == dockerManifestList
    }

    /// Whether `mediaType` names a layer swrun can unpack.
    public static func isLayer(_ mediaType: String) -> Bool {
        [ociLayerTar, ociLayerTarGzip, ociLayerTarZstd, dockerLayerTarGzip].contains(mediaType)
    }
}

/// Annotation keys of the OCI image spec that swrun reads or writes.
public enum AnnotationKey {
    /// The tag of an entry in an OCI layout's `index.json`.
    public static let refName = "org.opencontainers.image.ref.name"
}
