/// One COPY/ADD source in the build context, as `BuildContext.resolve` found it.
public struct ContextSource: Sendable, Equatable {
    /// Relative to the context root, cleaned, as the Dockerfile names it ("." for the
    /// root itself): a symlink on the way is kept, and followed (inside the context)
    /// when the source is read; the copy is named after the last component.
    public var path: String
    /// Whether it is a directory (after following symlinks): its contents are copied.
    public var isDirectory: Bool

    public init(path: String, isDirectory: Bool) {
        self.path = path
        self.isDirectory = isDirectory
    }

    /// The last component of `path`: the name the copy gets.
    var name: String {
        path.split(separator: "/").last.map(String.init) ?? "."
    }
}
