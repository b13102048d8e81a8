import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// Runs Dockerfiles: every step becomes an image of the store (untagged), found again
/// by its cache key through `BuildCache`; RUN steps are containers of the runtime.
public final class Builder {
    let store: ImageStore
    let runtime: ContainerRuntime
    let output: BuildOutput
    let cache: BuildCache
    /// How FROM and `COPY --from` find an image that is not a stage of the Dockerfile,
    /// with `--pull` as the second argument. The default looks in the store only; the
    /// CLI seeds default images and pulls missing ones.
    public var imageSource: (_ name: String, _ pull: Bool) throws -> StoredImage
    /// How `ADD <url>` fetches: the body written to the new file at `path` (mode
    /// 0600), returning the response's Last-Modified header if it had one. Nil: ADD of
    /// a URL fails. The CLI's uses the HTTP client of the registry code.
    public var fetchURL: ((_ url: String, _ path: String) throws -> String?)?

    public init(store: ImageStore, runtime: ContainerRuntime, output: BuildOutput) {
        self.store = store
        self.runtime = runtime
        self.output = output
        cache = BuildCache(store: store)
        imageSource = { name, _ in try store.resolve(name) }
    }

    /// Where builds keep their scratch directories (layer dirs of COPY, files of other
    /// stages, a context from stdin): not the store's `tmp/`, whose housekeeping
    /// removes what no lock holds after 10 s.
    public static func scratchRoot(of store: ImageStore) -> String {
        store.root + "/build-tmp"
    }

    /// Builds the target stage (or the last) and tags it; intermediate step images are
    /// untagged images of the store, found again by cache key through the build-cache index.
    public func build(_ dockerfile: Dockerfile, context: BuildContext, options: BuildOptions) throws -> StoredImage {
        let session = try BuildSession(builder: self, dockerfile: dockerfile, context: context, options: options)
        let built = try session.run()
        for tag in options.tags { try store.tag(built, as: tag) }
        if !session.unusedArguments.isEmpty {
            output.warning("One or more build-args [\(session.unusedArguments.joined(separator: " "))] were not consumed")
        }
        // `c2` is reported as docker does: `c2:latest`.
        output.finished(built.id.string, tags: options.tags.map { (try? Reference(parsing: $0))?.familiarName ?? $0 })
        if options.tags.isEmpty { return built }
        return try store.resolve(built.id.string)
    }
}
