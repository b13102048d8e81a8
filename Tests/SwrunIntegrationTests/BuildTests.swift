import Foundation
import Testing

/// `swrun build`: Dockerfiles to images, with the step cache, stages, build args,
/// failures and the context's .dockerignore. RUN steps use `--network none`: the
/// tests' private network namespace has no way out.
@Suite("build: Dockerfiles, the step cache, stages", .serialized)
struct BuildTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    /// The image ID a quiet build prints.
    func quietBuild(_ arguments: [String]) -> String {
        let result = swrun.build(["-q"] + arguments)
        #expect(result.status == 0, "\(result)")
        return result.out
    }

    func historyCreatedBy(_ image: String) -> [String] {
        swrun.run(["history", "--no-trunc", "--format", "{{.CreatedBy}}", image]).lines
    }

    static let steps = """
        FROM busybox
        ENV GREETING=hello
        WORKDIR /app
        COPY greeting.txt ./
        RUN echo "$GREETING" > out.txt && cat greeting.txt >> out.txt
        CMD ["cat", "/app/out.txt"]
        """

    @Test func multiStepBuildMakesAnImageWithItsHistory() throws {
        let directory = try swrun.buildContext("steps", ["Dockerfile": Self.steps, "greeting.txt": "world\n"])
        let result = swrun.build(["-t", "steps:1", directory])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Step 5/6 : RUN echo \"$GREETING\" > out.txt && cat greeting.txt >> out.txt"), "\(result)")
        #expect(result.lines.last == "Successfully tagged steps:1", "\(result)")
        #expect(result.lines.contains { $0.hasPrefix("Successfully built ") }, "\(result)")

        let run = swrun.runRm(["steps:1"])
        #expect(run.status == 0 && run.lines == ["hello", "world"], "\(run)")
        #expect(swrun.run(["image", "inspect", "--format", "{{.Config.WorkingDir}}", "steps:1"]).out == "/app")

        let history = historyCreatedBy("steps:1")
        // Newest first: CMD, RUN, COPY, WORKDIR, ENV, then busybox's own.
        #expect(Array(history.prefix(5)) == [
            "CMD [\"cat\" \"/app/out.txt\"]",
            "RUN /bin/sh -c echo \"$GREETING\" > out.txt && cat greeting.txt >> out.txt # buildkit",
            "COPY greeting.txt ./ # buildkit",
            "WORKDIR /app",
            "ENV GREETING=hello",
        ], "\(history)")
        // No build container is left behind.
        #expect(swrun.run(["ps", "-a", "-q"]).out.isEmpty)
    }

    @Test func rebuildsComeFromTheCacheUntilAFileChanges() throws {
        let directory = try swrun.buildContext("cache", ["Dockerfile": Self.steps, "greeting.txt": "world\n"])
        let first = quietBuild([directory])
        let again = swrun.build([directory])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.components(separatedBy: "Using cache").count - 1 == 5, "\(again)")
        #expect(again.stdout.contains("Successfully built " + first.dropFirst(7).prefix(12)), "\(again)")

        // A touched file (new mtime, same bytes) keeps the cache.
        let file = directory + "/greeting.txt"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: file)
        #expect(quietBuild([directory]) == first)

        // One changed byte rebuilds the COPY and every step after it.
        try "worle\n".write(toFile: file, atomically: false, encoding: .utf8)
        let changed = swrun.build(["--progress", "plain", directory])
        #expect(changed.status == 0, "\(changed)")
        let plain = changed.stderr
        #expect(plain.components(separatedBy: " CACHED").count - 1 == 2, "\(plain)")
        #expect(plain.contains("[4/6] COPY greeting.txt ./"), "\(plain)")
        let built = plain.components(separatedBy: "\n").first { $0.hasPrefix("Successfully built ") }?.dropFirst(19) ?? ""
        let rebuilt = swrun.run(["image", "inspect", "--format", "{{.Id}}", String(built)])
        #expect(rebuilt.status == 0 && rebuilt.out != first, "\(rebuilt)")
        let run = swrun.runRm([rebuilt.out])
        #expect(run.lines == ["hello", "worle"], "\(run)")
    }

    @Test func noCacheRebuildsEveryStepAndSourceDateEpochMakesTheSameImage() throws {
        let directory = try swrun.buildContext("nocache", ["Dockerfile": Self.steps, "greeting.txt": "world\n"])
        let epoch = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"]
        let first = quietBuild(epoch + [directory])
        let again = swrun.build(["--no-cache"] + epoch + [directory])
        #expect(again.status == 0, "\(again)")
        #expect(!again.stdout.contains("Using cache"), "\(again)")
        #expect(again.stdout.contains("Successfully built " + first.dropFirst(7).prefix(12)), "\(again)")
        #expect(swrun.run(["image", "inspect", "--format", "{{.Created}}", first]).out.hasPrefix("2023-11-14T22:13:20"))
    }

    @Test func multiStageBuildsOnlyWhatTheTargetNeeds() throws {
        let directory = try swrun.buildContext("stages", ["Dockerfile": """
            FROM busybox AS builder
            RUN echo built > /artifact
            FROM busybox AS broken
            RUN exit 7
            FROM busybox
            COPY --from=builder /artifact /copied
            CMD ["cat", "/copied"]
            """])
        let result = swrun.build(["-t", "stages", directory])
        #expect(result.status == 0, "\(result)")
        #expect(!result.stdout.contains("exit 7"), "\(result)")
        #expect(swrun.runRm(["stages"]).out == "built")

        let target = swrun.build(["-t", "builder-only", "--target", "builder", directory])
        #expect(target.status == 0, "\(target)")
        #expect(swrun.runRm(["builder-only", "cat", "/artifact"]).out == "built")
        #expect(swrun.runRm(["builder-only", "sh", "-c", "test -e /copied || echo absent"]).out == "absent")

        let missing = swrun.build(["--target", "nope", directory])
        #expect(missing.status == 1 && missing.stderr.contains("target stage \"nope\" could not be found"), "\(missing)")
    }

    @Test func buildArgsReachRunButNotTheImage() throws {
        let directory = try swrun.buildContext("args", ["Dockerfile": """
            ARG BASE=busybox
            FROM $BASE
            ARG WHO=nobody
            RUN echo "hi $WHO" > /who
            """])
        let result = swrun.build(["-t", "args", "--build-arg", "WHO=me", directory])
        #expect(result.status == 0, "\(result)")
        #expect(swrun.runRm(["args", "cat", "/who"]).out == "hi me")
        #expect(swrun.runRm(["args", "sh", "-c", "echo ${WHO:-unset}"]).out == "unset")
        #expect(historyCreatedBy("args").first == "RUN |1 WHO=me /bin/sh -c echo \"hi $WHO\" > /who # buildkit")

        let defaulted = swrun.build(["-t", "args-default", directory])
        #expect(defaulted.status == 0 && !defaulted.stdout.contains("Using cache\n ---> \(String(result.lines.first { $0.hasPrefix("Successfully built") }?.suffix(12) ?? ""))"))
        #expect(swrun.runRm(["args-default", "cat", "/who"]).out == "hi nobody")

        let unused = swrun.build(["--build-arg", "NEVER=1", directory])
        #expect(unused.status == 0 && unused.stderr.contains("[Warning] One or more build-args [NEVER] were not consumed"), "\(unused)")
    }

    @Test func aFailingRunFailsTheBuildAndLeavesNothing() throws {
        let directory = try swrun.buildContext("fails", ["Dockerfile": """
            FROM busybox
            RUN echo first > /first
            RUN echo about to fail; exit 3
            """])
        let result = swrun.build(["-t", "never", directory])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("about to fail"), "\(result)")
        #expect(result.stderr.contains("process \"/bin/sh -c echo about to fail; exit 3\" did not complete successfully: exit code: 3"), "\(result)")
        #expect(swrun.run(["image", "inspect", "never"]).status != 0)
        #expect(swrun.run(["ps", "-a", "-q"]).out.isEmpty)
        // The step that succeeded is cached.
        let again = swrun.build([directory])
        #expect(again.stdout.contains("Step 2/3 : RUN echo first > /first\n ---> Using cache"), "\(again)")
    }

    @Test func aParseErrorNamesTheLine() throws {
        let directory = try swrun.buildContext("parse", ["Dockerfile": "FROM busybox\nRUN true\nFOO bar\n"])
        let result = swrun.build([directory])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("line 3") && result.stderr.lowercased().contains("unknown instruction: foo"), "\(result)")
    }

    @Test func quietPrintsOnlyTheImageID() throws {
        let directory = try swrun.buildContext("quiet", ["Dockerfile": "FROM busybox\nRUN echo noisy\n"])
        let result = swrun.build(["-q", "-t", "quiet", directory])
        #expect(result.status == 0, "\(result)")
        #expect(result.lines.count == 1 && result.out.hasPrefix("sha256:") && result.out.count == 71, "\(result)")
        #expect(!result.stdout.contains("noisy") && !result.stderr.contains("noisy"), "\(result)")
        #expect(swrun.run(["image", "inspect", "--format", "{{.Id}}", "quiet"]).out == result.out)
    }

    @Test func dockerignoreKeepsFilesOutOfTheContext() throws {
        let directory = try swrun.buildContext("ignore", [
            "Dockerfile": "FROM busybox\nCOPY . /ctx\n",
            ".dockerignore": "secret*\n*.log\n!keep.log\n",
            "app.txt": "app\n", "secret.txt": "hidden\n", "debug.log": "x\n", "keep.log": "kept\n",
        ])
        let result = swrun.build(["-t", "ignored", directory])
        #expect(result.status == 0, "\(result)")
        let listing = swrun.runRm(["ignored", "ls", "/ctx"])
        #expect(listing.status == 0, "\(listing)")
        let files = Set(listing.lines)
        #expect(files.isSuperset(of: ["Dockerfile", "app.txt", "keep.log"]), "\(listing)")
        #expect(files.isDisjoint(with: ["secret.txt", "debug.log"]), "\(listing)")
    }
}
