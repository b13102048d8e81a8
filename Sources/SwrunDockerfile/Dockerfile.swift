import SwrunOS

/// A parsed Dockerfile. Values are not expanded here: the builder expands each
/// instruction with the variables in effect at its step, through `Instruction.expanded`.
public struct Dockerfile: Sendable {
    /// Parser directives from the top of the file ("syntax", "escape", "check"), keys lowercased.
    public var directives: [String: String]
    /// The escape character: `\` unless `# escape=` chose the backtick.
    public var escape: Character
    /// The ARGs before the first FROM (usable in FROM lines, and in stages that redeclare them).
    public var globalArgs: [ArgDeclaration]
    /// The build stages, in file order.
    public var stages: [Stage]

    public init(directives: [String: String] = [:], escape: Character = "\\", globalArgs: [ArgDeclaration] = [], stages: [Stage] = []) {
        self.directives = directives
        self.escape = escape
        self.globalArgs = globalArgs
        self.stages = stages
    }

    /// Parses `text` as BuildKit's dockerfile frontend does. Errors read as BuildKit's:
    /// `SwrunError(.invalidArgument, "dockerfile parse error on line 3: unknown instruction: FOO")`.
    public static func parse(_ text: String, fileName: String = "Dockerfile") throws -> Dockerfile {
        try DockerfileParser(text: text, fileName: fileName).parse()
    }
}

/// `ARG name[=default]`.
public struct ArgDeclaration: Sendable, Equatable {
    public var name: String
    /// The default, unexpanded; nil when the ARG has none (`ARG name`).
    public var defaultValue: String?

    public init(name: String, defaultValue: String? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// One `FROM …` and the instructions up to the next FROM.
public struct Stage: Sendable {
    /// The stage's position, 0-based (`COPY --from=0`).
    public var index: Int
    /// `AS name`, lowercased.
    public var name: String?
    public var from: FromInstruction
    /// Everything after FROM, in order.
    public var instructions: [Instruction]

    public init(index: Int, name: String?, from: FromInstruction, instructions: [Instruction] = []) {
        self.index = index
        self.name = name
        self.from = from
        self.instructions = instructions
    }
}

/// `FROM [--platform=P] image [AS name]`; `image` and `platform` are unexpanded
/// (the builder expands them with the global ARGs).
public struct FromInstruction: Sendable, Equatable {
    public var image: String
    public var platform: String?
    public var line: Int
    public var original: String

    public init(image: String, platform: String? = nil, line: Int, original: String) {
        self.image = image
        self.platform = platform
        self.line = line
        self.original = original
    }
}
