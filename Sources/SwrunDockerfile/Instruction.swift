import SwrunOCI

/// One instruction of a stage after its FROM.
public struct Instruction: Sendable {
    /// 1-based line of the instruction's first line.
    public var line: Int
    /// The source text, continuations joined, as shown in "Step 3/7 : …".
    public var original: String
    public var kind: InstructionKind

    public init(line: Int, original: String, kind: InstructionKind) {
        self.line = line
        self.original = original
        self.kind = kind
    }
}

/// An instruction's arguments as written (unexpanded).
public enum InstructionKind: Sendable {
    case run(RunInstruction)
    case cmd(CommandForm), entrypoint(CommandForm)
    case env([(key: String, value: String)]), label([(key: String, value: String)])
    case arg([ArgDeclaration])
    case expose([String]), volume([String])
    case workdir(String), user(String), stopsignal(String)
    case shell([String])
    case healthcheck(HealthcheckInstruction)
    /// The trigger's text, parsed when it fires in a child build.
    case onbuild(String)
    case copy(CopyInstruction), add(CopyInstruction)
    case maintainer(String)
}

/// The two ways to write a command: JSON (exec) form or shell form.
public enum CommandForm: Sendable, Equatable {
    case exec([String])
    case shell(String)
}

/// A here-document (`<<EOF … EOF`).
public struct Heredoc: Sendable, Equatable {
    /// The delimiter word (`EOF`), without quotes or `-`.
    public var name: String
    /// The body: every line up to the delimiter, each ending in "\n".
    public var content: String
    /// False when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): no expansion.
    public var expand: Bool
    /// True for `<<-EOF`: leading tabs are stripped from each line (already done in `content`).
    public var chomp: Bool

    public init(name: String, content: String, expand: Bool, chomp: Bool) {
        self.name = name
        self.content = content
        self.expand = expand
        self.chomp = chomp
    }
}

/// `RUN [--mount=…] [--network=…] [--security=…] command`.
public struct RunInstruction: Sendable {
    public var command: CommandForm
    public var mounts: [RunMount]
    /// `--network=default|none|host`.
    public var network: String?
    /// `--security=sandbox|insecure`.
    public var security: String?
    public var heredocs: [Heredoc]
    /// The `--mount=` values as written: `expanded(with:)` parses them again with the
    /// step's variables, as BuildKit does.
    var mountSpecs: [String] = []
    /// A `--mount` whose values hold variables could not be parsed yet: `mounts` lacks it
    /// until the instruction is expanded.
    var mountsNeedExpansion = false

    public init(command: CommandForm, mounts: [RunMount] = [], network: String? = nil, security: String? = nil, heredocs: [Heredoc] = []) {
        self.command = command
        self.mounts = mounts
        self.network = network
        self.security = security
        self.heredocs = heredocs
    }
}

/// One `--mount=type=…,…` of a RUN. `kind` defaults to bind, `readOnly` to BuildKit's
/// default for the kind (cache and tmpfs writable, others read-only); a cache mount
/// without `id` uses its cleaned target as id (the executor's part).
public struct RunMount: Sendable, Equatable {
    public enum Kind: String, Sendable { case bind, cache, tmpfs, secret, ssh }
    public var kind: Kind
    public var target: String?
    public var source: String?
    public var from: String?
    public var id: String?
    public var readOnly: Bool
    /// Cache mounts: "shared", "private" or "locked"; nil means "shared".
    public var sharing: String?
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    /// tmpfs size in bytes.
    public var size: Int64?
    public var required: Bool
    /// Secret mounts: the environment variable to set to the secret.
    public var env: String?

    public init(kind: Kind, target: String? = nil, source: String? = nil, from: String? = nil, id: String? = nil,
                readOnly: Bool = false, sharing: String? = nil, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil,
                size: Int64? = nil, required: Bool = false, env: String? = nil) {
        self.kind = kind
        self.target = target
        self.source = source
        self.from = from
        self.id = id
        self.readOnly = readOnly
        self.sharing = sharing
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.required = required
        self.env = env
    }
}

/// `COPY`/`ADD [--from=…] [--chown=…] [--chmod=…] [--link] [--exclude=…] src… dest`.
public struct CopyInstruction: Sendable {
    public var sources: [String]
    public var destination: String
    public var from: String?
    public var chown: String?
    public var chmod: String?
    public var link: Bool
    /// Inline sources (`COPY <<EOF /dest`), not in `sources`; each becomes a file named
    /// after its delimiter. Bodies with `expand` are expanded by `Instruction.expanded`.
    public var heredocs: [Heredoc]
    public var exclude: [String]
    /// `ADD --checksum=sha256:…` of a URL.
    public var checksum: String?

    public init(sources: [String], destination: String, from: String? = nil, chown: String? = nil, chmod: String? = nil,
                link: Bool = false, heredocs: [Heredoc] = [], exclude: [String] = [], checksum: String? = nil) {
        self.checksum = checksum
        self.sources = sources
        self.destination = destination
        self.from = from
        self.chown = chown
        self.chmod = chmod
        self.link = link
        self.heredocs = heredocs
        self.exclude = exclude
    }
}

/// `HEALTHCHECK [options] CMD …` or `HEALTHCHECK NONE`: the image config's own
/// `Healthcheck` (test, timings in nanoseconds; nil when not given).
public typealias HealthcheckInstruction = ImageConfigFile.Healthcheck
