/// What `swrun build` was asked for, after flag parsing.
public struct BuildOptions: Sendable {
    /// `-t` names the image gets (none: it stays untagged).
    public var tags: [String] = []
    /// `--build-arg K=V`.
    public var buildArgs: [String: String] = [:]
    /// `--target`: the stage to build (else the last).
    public var target: String?
    /// `--no-cache`: every step is built again (and recorded for later builds).
    public var noCache = false
    /// `--pull`: base images are pulled even when the store has them.
    public var pull = false
    /// `-q`: only the image ID is printed.
    public var quiet = false
    /// `--label K=V`, set on the image.
    public var labels: [String: String] = [:]
    /// The network of RUN steps that do not name one: `default` (the default bridge),
    /// `bridge`, `none`, `host`, or a network's name.
    public var network = "default"
    /// `--platform os/arch[/variant]`: TARGETPLATFORM and friends (swrun builds for the host).
    public var platform: String?
    /// `--progress`: auto, plain or tty.
    public var progress = "auto"
    /// `SOURCE_DATE_EPOCH` from the environment (a build arg of that name wins): the
    /// created time of every step, so the same inputs make the same image ID.
    public var sourceDateEpoch: Int64?

    /// `--secret id=X,src=FILE|env=VAR`: each secret's bytes by id, for
    /// `RUN --mount=type=secret`.
    public var secrets: [String: [UInt8]] = [:]
    /// `--ssh ID[=SOCKET]`: agent sockets by id, for `RUN --mount=type=ssh`.
    public var sshSockets: [String: String] = [:]

    public init() {}
}
