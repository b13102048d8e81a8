import SwrunDockerfile
import SwrunImage
import SwrunOCI
import SwrunOS
import SwrunRuntime

/// One run of `swrun build`: the stages the target needs, built in order, each step
/// taken from the cache or built and recorded there.
final class BuildSession {
    let builder: Builder
    let dockerfile: Dockerfile
    let context: BuildContext
    let options: BuildOptions
    var arguments: BuildArguments
    /// The target stage's index and the stages it needs, in Dockerfile order.
    let stagesToBuild: [Int]
    private var stageImages: [Int: StoredImage] = [:]
    private var inProgress: Set<Int> = []
    /// Steps announced so far (`Step N/total`), and the total.
    private var stepNumber = 0
    private let totalSteps: Int
    /// The stages' names for BuildKit's `[name 2/5]` (nil for a one-stage build).
    private let multiStage: Bool

    var store: ImageStore { builder.store }
    var output: BuildOutput { builder.output }
    var cache: BuildCache { builder.cache }

    init(builder: Builder, dockerfile: Dockerfile, context: BuildContext, options: BuildOptions) throws {
        self.builder = builder
        self.dockerfile = dockerfile
        self.context = context
        self.options = options
        var arguments = try BuildArguments(given: options.buildArgs, platform: options.platform)
        guard !dockerfile.stages.isEmpty else {
            throw SwrunError(.invalidArgument, "dockerfile parse error: no build stage in current context")
        }
        let lex = ShellLex(escape: dockerfile.escape)
        for declaration in dockerfile.globalArgs {
            let value = try declaration.defaultValue.map { try lex.processWord($0, arguments.globalScope) }
            arguments.declareGlobal(declaration.name, expandedDefault: value)
        }
        self.arguments = arguments
        let target: Int
        if let name = options.target {
            guard let index = dockerfile.stages.firstIndex(where: { $0.name == name.lowercased() }) else {
                throw SwrunError(.invalidArgument, "target stage \"\(name)\" could not be found")
            }
            target = index
        } else {
            target = dockerfile.stages.count - 1
        }
        stagesToBuild = Self.closure(of: target, in: dockerfile, globals: arguments.globalScope)
        totalSteps = stagesToBuild.reduce(0) { $0 + 1 + dockerfile.stages[$1].instructions.count }
        multiStage = dockerfile.stages.count > 1
    }

    /// The target stage's image.
    func run() throws -> StoredImage {
        guard let target = stagesToBuild.last else { throw SwrunError(.internalError, "no stage to build") }
        for index in stagesToBuild where index != target { _ = try image(ofStage: index) }
        return try image(ofStage: target)
    }

    var unusedArguments: [String] { arguments.unused }

    /// The stage a FROM or `--from` names (its name, or its index among the stages
    /// before `limit`), if it is one.
    func stageIndex(_ reference: String, before limit: Int) -> Int? {
        Self.stageIndex(reference, before: limit, in: dockerfile)
    }

    static func stageIndex(_ reference: String, before limit: Int, in dockerfile: Dockerfile) -> Int? {
        let lowered = reference.lowercased()
        if let index = dockerfile.stages.prefix(limit).firstIndex(where: { $0.name == lowered }) { return index }
        if let number = Int(reference), number >= 0, number < limit { return number }
        return nil
    }

    /// `target` and every stage it needs (FROM, `COPY --from`, `RUN --mount from=`), sorted.
    static func closure(of target: Int, in dockerfile: Dockerfile, globals: [String: String]) -> [Int] {
        let lex = ShellLex(escape: dockerfile.escape)
        var needed: Set<Int> = []
        var queue = [target]
        while let index = queue.popLast() {
            guard needed.insert(index).inserted else { continue }
            let stage = dockerfile.stages[index]
            var references = [(try? lex.processWord(stage.from.image, globals)) ?? stage.from.image]
            for instruction in stage.instructions {
                switch instruction.kind {
                case .copy(let copy), .add(let copy):
                    if let from = copy.from { references.append(from) }
                case .run(let run):
                    references += run.mounts.compactMap(\.from)
                default:
                    break
                }
            }
            queue += references.compactMap { stageIndex($0, before: index, in: dockerfile) }
        }
        return needed.sorted()
    }

    /// A stage's final image, built once per build.
    func image(ofStage index: Int) throws -> StoredImage {
        if let built = stageImages[index] { return built }
        guard inProgress.insert(index).inserted else {
            throw SwrunError(.invalidArgument, "circular dependency detected on stage: \(dockerfile.stages[index].name ?? String(index))")
        }
        defer { inProgress.remove(index) }
        let built = try buildStage(dockerfile.stages[index])
        stageImages[index] = built
        return built
    }

    /// The image `name` names for `COPY --from` or `RUN --mount from=`: a stage
    /// before `stage`, else an image.
    func image(named name: String, before stage: Int) throws -> StoredImage {
        if let index = stageIndex(name, before: stage) { return try image(ofStage: index) }
        return try builder.imageSource(name, options.pull)
    }

    private func buildStage(_ stage: Stage) throws -> StoredImage {
        let lex = ShellLex(escape: dockerfile.escape)
        let label = multiStage ? (stage.name ?? "stage-\(stage.index)") : nil
        let count = stage.instructions.count + 1
        announce(stage.from.original, stage: label, position: 1, count: count)
        let baseName = try lex.processWord(stage.from.image, arguments.globalScope)
        guard !baseName.isEmpty else {
            throw SwrunError(.invalidArgument, "base name (\(stage.from.image)) should not be blank")
        }
        var state: StageState
        if baseName.lowercased() == "scratch" {
            state = StageState(image: nil, config: ImageConfigFile.Config(), key: "scratch", cacheable: !options.noCache)
            output.done("scratch")
        } else {
            let base = try stageIndex(baseName, before: stage.index).map { try image(ofStage: $0) }
                ?? builder.imageSource(baseName, options.pull)
            state = StageState(image: base, config: base.config.config ?? .init(), key: base.id.string, cacheable: !options.noCache)
            output.done(base.id.string)
            try runTriggers(of: base, into: &state, stage: stage)
        }
        for (position, instruction) in stage.instructions.enumerated() {
            announce(instruction.original, stage: label, position: position + 2, count: count)
            try execute(instruction, in: &state, stage: stage)
        }
        if stage.index == stagesToBuild.last, !options.labels.isEmpty {
            try applyLabels(options.labels, to: &state)
        }
        return try finalImage(of: state)
    }

    /// ONBUILD triggers of the base image run first, as steps of this stage; the
    /// child's image does not keep them.
    private func runTriggers(of base: StoredImage, into state: inout StageState, stage: Stage) throws {
        let triggers = base.config.config?.onBuild ?? []
        guard !triggers.isEmpty else { return }
        state.config.onBuild = nil
        output.note("# Executing \(triggers.count) build trigger\(triggers.count == 1 ? "" : "s")")
        for trigger in triggers {
            let parsed = try Dockerfile.parse("FROM scratch\n" + trigger, fileName: "ONBUILD")
            for instruction in parsed.stages.first?.instructions ?? [] {
                try execute(instruction, in: &state, stage: stage)
            }
        }
    }

    /// A stage whose steps made no image (`FROM scratch` alone) still has one: empty.
    private func finalImage(of state: StageState) throws -> StoredImage {
        if let image = state.image { return image }
        var empty = state
        try commitStep(&empty, key: ["FROM scratch"], createdBy: "FROM scratch", config: state.config, layer: nil)
        guard let image = empty.image else { throw SwrunError(.internalError, "empty stage made no image") }
        return image
    }

    private func announce(_ text: String, stage: String?, position: Int, count: Int) {
        stepNumber += 1
        output.step(number: stepNumber, total: max(totalSteps, stepNumber), stage: stage, position: position, count: count, text: text)
    }

    /// One instruction: expanded with the variables in scope, then run.
    func execute(_ instruction: Instruction, in state: inout StageState, stage: Stage) throws {
        let expanded = try instruction.expanded(with: state.variables, escape: dockerfile.escape)
        switch expanded.kind {
        case .arg(let declarations):
            for declaration in declarations {
                state.declare(declaration.name, value: arguments.stageValue(declaration.name, expandedDefault: declaration.defaultValue))
            }
            try metadataStep(expanded.kind, in: &state)
        case .run(let run):
            try runStep(run, in: &state, stage: stage)
        case .copy(let copy):
            try copyStep(copy, add: false, in: &state, stage: stage)
        case .add(let copy):
            try copyStep(copy, add: true, in: &state, stage: stage)
        case .workdir(let path):
            try workdirStep(path, in: &state)
        case .onbuild(let trigger):
            let word = trigger.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
            guard !["ONBUILD", "FROM", "MAINTAINER"].contains(word) else {
                throw SwrunError(.invalidArgument, word == "ONBUILD"
                    ? "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" : "\(word) isn't allowed as an ONBUILD trigger")
            }
            try metadataStep(expanded.kind, in: &state)
        default:
            try metadataStep(expanded.kind, in: &state)
        }
    }

    /// `--label` values: one more config step on the target stage.
    private func applyLabels(_ labels: [String: String], to state: inout StageState) throws {
        let pairs = labels.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        try metadataStep(.label(pairs), in: &state)
    }

    /// The created time of new steps: SOURCE_DATE_EPOCH's (a build arg wins over the
    /// environment), else now.
    var created: String {
        sourceDateEpoch.map { Timestamp.format(seconds: $0, nanoseconds: 0) } ?? Timestamp.now()
    }

    var sourceDateEpoch: Int64? {
        options.buildArgs["SOURCE_DATE_EPOCH"].flatMap { Int64($0) } ?? options.sourceDateEpoch
    }

    /// Takes a step from the cache, or makes it: `layer` (if given) makes the layer
    /// directory and returns it with what removes it; the step's image is stored,
    /// recorded under its key, and becomes the stage's current image.
    func commitStep(
        _ state: inout StageState, key parts: [String], createdBy: String, config: ImageConfigFile.Config,
        layer: (() throws -> StepLayer)?
    ) throws {
        let key = BuildCache.key(parent: state.key, step: parts)
        if state.cacheable, let hit = cache.lookup(key) {
            output.cached(hit.id.string)
            state.image = hit
            state.config = hit.config.config ?? config
            state.key = key
            return
        }
        state.cacheable = false
        let made = try layer?()
        defer { made?.remove() }
        if let made, let epoch = sourceDateEpoch { try LayerTimes.clamp(made.directory, to: epoch) }
        let history = ImageConfigFile.History(created: created, createdBy: createdBy, comment: "buildkit.dockerfile.v0")
        let image = try store.storeBuildStep(
            base: state.image, layerFrom: made?.directory, config: config, history: history, exclude: made?.exclude ?? [])
        try cache.record(key, image: image)
        output.done(image.id.string)
        state.image = image
        state.config = config
        state.key = key
    }
}

/// A step's layer directory, with what to do once the image holds it.
struct StepLayer {
    let directory: String
    /// Paths left out of the layer when they are empty files (RUN's placeholders).
    var exclude: [String] = []
    /// Removes the directory (or the container that owns it).
    let remove: () -> Void
}
