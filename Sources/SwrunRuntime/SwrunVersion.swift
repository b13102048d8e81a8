/// swrun's release, shown by `swrun --version` and `swrun-oci --version`.
public enum SwrunVersion {
    public static let string = "0.1.0"
}
