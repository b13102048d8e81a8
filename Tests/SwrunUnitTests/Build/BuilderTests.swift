import SwrunDockerfile
import SwrunOCI
import Testing

@testable import SwrunBuild

/// The executor's pure parts: config steps and their history text, RUN's command
/// with heredocs, the stages a target needs, cache keys, build arguments.
@Suite("Builder: config steps, RUN commands, stage selection, cache keys")
struct BuilderTests {
    func apply(_ kind: InstructionKind, to config: ImageConfigFile.Config = .init(), shell: [String] = ["/bin/sh", "-c"])
        throws -> (ImageConfigFile.Config, String) {
        var config = config
        var cmdSet = false
        let text = try BuildSession.apply(kind, to: &config, shell: shell, cmdSet: &cmdSet)
        return (config, text)
    }

    @Test func envReplacesAKeyAndWritesDockersHistoryText() throws {
        let (config, text) = try apply(.env([(key: "A", value: "2"), (key: "B", value: "x y")]), to: .init(env: ["PATH=/bin", "A=1"]))
        #expect(config.env == ["PATH=/bin", "A=2", "B=x y"])
        #expect(text == "ENV A=2 B=x y")
    }

    @Test func shellFormCommandsUseTheShellAndQuoteLikeGo() throws {
        let (config, text) = try apply(.cmd(.shell("echo \"hi\"")), shell: ["/bin/bash", "-c"])
        #expect(config.cmd == ["/bin/bash", "-c", "echo \"hi\""])
        #expect(text == #"CMD ["/bin/bash" "-c" "echo \"hi\""]"#)
    }

    @Test func entrypointDropsAnInheritedCmd() throws {
        let (config, text) = try apply(.entrypoint(.exec(["/app"])), to: .init(cmd: ["sh"]))
        #expect(config.entrypoint == ["/app"] && config.cmd == nil)
        #expect(text == #"ENTRYPOINT ["/app"]"#)
    }

    @Test func exposeVolumeLabelHealthcheckShell() throws {
        var (config, text) = try apply(.expose(["80", "53/UDP"]))
        #expect(config.exposedPorts == ["53/udp", "80/tcp"] && text == "EXPOSE map[53/udp:{} 80/tcp:{}]")
        (config, text) = try apply(.volume(["/data"]), to: config)
        #expect(config.volumes == ["/data"] && text == "VOLUME [/data]")
        (config, text) = try apply(.label([(key: "a", value: "b")]), to: config)
        #expect(config.labels == ["a": "b"] && text == "LABEL a=b")
        (config, _) = try apply(.healthcheck(HealthcheckInstruction(test: ["CMD-SHELL", "true"], interval: 5_000_000_000)), to: config)
        #expect(config.healthcheck == ImageConfigFile.Healthcheck(test: ["CMD-SHELL", "true"], interval: 5_000_000_000))
        (config, text) = try apply(.shell(["/bin/bash", "-c"]), to: config)
        #expect(config.shell == ["/bin/bash", "-c"] && text == "SHELL [/bin/bash -c]")
    }

    @Test(arguments: [
        ("/a/./b/../c/", "/a/c"), ("app", "/app"), ("/", "/"), ("/../x", "/x"),
    ])
    func cleanPath(_ input: String, _ expected: String) {
        #expect(BuildSession.cleanPath(input) == expected)
    }

    @Test func runCommandsWithHeredocs() {
        let shell = ["/bin/sh", "-c"]
        let alone = RunInstruction(command: .shell("<<EOF"), heredocs: [Heredoc(name: "EOF", content: "echo a\necho b\n", expand: true, chomp: false)])
        #expect(BuildSession.command(of: alone, shell: shell) == ["/bin/sh", "-c", "echo a\necho b\n"])
        let redirect = RunInstruction(command: .shell("cat <<'EOF' > /x"), heredocs: [Heredoc(name: "EOF", content: "$HOME", expand: false, chomp: false)])
        #expect(BuildSession.command(of: redirect, shell: shell) == ["/bin/sh", "-c", "cat <<'EOF' > /x\n$HOME\nEOF"])
        #expect(BuildSession.command(of: RunInstruction(command: .exec(["echo", "x"])), shell: shell) == ["echo", "x"])
    }

    func stage(_ index: Int, _ name: String?, from: String, copyFrom: String? = nil) -> Stage {
        let instructions = copyFrom.map {
            [Instruction(line: 2, original: "COPY --from=\($0) /a /a", kind: .copy(CopyInstruction(sources: ["/a"], destination: "/a", from: $0)))]
        } ?? []
        return Stage(index: index, name: name, from: FromInstruction(image: from, line: 1, original: "FROM \(from)"), instructions: instructions)
    }

    @Test func aTargetNeedsOnlyTheStagesItNamesTransitively() {
        let dockerfile = Dockerfile(stages: [
            stage(0, "base", from: "busybox"),
            stage(1, "unused", from: "busybox"),
            stage(2, "tools", from: "base"),
            stage(3, nil, from: "busybox", copyFrom: "tools"),
            stage(4, "other", from: "busybox", copyFrom: "1"),
        ])
        #expect(BuildSession.closure(of: 3, in: dockerfile, globals: [:]) == [0, 2, 3])
        #expect(BuildSession.closure(of: 4, in: dockerfile, globals: [:]) == [1, 4])
        #expect(BuildSession.closure(of: 1, in: dockerfile, globals: [:]) == [1])
    }

    @Test func cacheKeysDependOnEveryPartAndItsBoundaries() {
        let key = BuildCache.key(parent: "p", step: ["RUN", "a"])
        #expect(key == BuildCache.key(parent: "p", step: ["RUN", "a"]))
        #expect(key != BuildCache.key(parent: "q", step: ["RUN", "a"]))
        #expect(key != BuildCache.key(parent: "p", step: ["RUN", "b"]))
        #expect(BuildCache.key(parent: "p", step: ["ab", "c"]) != BuildCache.key(parent: "p", step: ["a", "bc"]))
        #expect(key.count == 64)
    }

    @Test func platformArgumentsComeFromTheTargetPlatform() throws {
        let arguments = try BuildArguments.platformArguments(target: "linux/arm64/v8")
        #expect(arguments["TARGETPLATFORM"] == "linux/arm64/v8")
        #expect(arguments["TARGETARCH"] == "arm64" && arguments["TARGETVARIANT"] == "v8")
        #expect(arguments["BUILDOS"] == "linux")
        #expect(throws: (any Error).self) { try BuildArguments.platformArguments(target: "linux") }
    }

    @Test func stageArgumentsTakeBuildArgsThenDefaultsThenGlobals() throws {
        var arguments = try BuildArguments(given: ["A": "given", "HTTP_PROXY": "http://proxy", "UNUSED": "x"], platform: nil)
        arguments.declareGlobal("G", expandedDefault: "global")
        #expect(arguments.stageValue("A", expandedDefault: "default") == "given")
        #expect(arguments.stageValue("B", expandedDefault: "default") == "default")
        #expect(arguments.stageValue("G", expandedDefault: nil) == "global")
        #expect(arguments.stageValue("NONE", expandedDefault: nil) == nil)
        #expect(arguments.unused == ["UNUSED"])
        #expect(arguments.proxies.map(\.0) == ["HTTP_PROXY"])
    }

    @Test func runArgumentsYieldToEnv() {
        var state = StageState(image: nil, config: .init(env: ["B=env"]), key: "k", cacheable: true)
        state.declare("A", value: "1")
        state.declare("B", value: "2")
        state.declare("C", value: nil)
        #expect(state.runArguments.map(\.0) == ["A"])
        #expect(state.variables == ["A": "1", "B": "env"])
    }
}
