import SwrunOS
import Testing
@testable import SwrunDockerfile

@Suite("DockerfileExpansion")
struct DockerfileExpansionTests {
    static let variables = ["B": "1", "P": "80 81/udp", "DIR": "/cache", "NAME": "app", "T": "tmpfs"]

    func expand(_ line: String, escape: Character = "\\") throws -> Instruction {
        try instruction(line).expanded(with: Self.variables, escape: escape)
    }

    @Test func envLabelAndArg() throws {
        #expect(try expand("ENV A=$B C=\"x $B\" ${NAME}_HOME=/h").pairs == ["A=1", "C=x 1", "app_HOME=/h"])
        #expect(try expand("ENV OLD value with $B").pairs == ["OLD=value with 1"])
        #expect(try expand("LABEL v=\"${B}.0\"").pairs == ["v=1.0"])
        #expect(try expand("ARG X=${B:-d} Y=$NOPE Z").args == [
            ArgDeclaration(name: "X", defaultValue: "1"), ArgDeclaration(name: "Y", defaultValue: ""), ArgDeclaration(name: "Z"),
        ])
    }

    @Test func pathsAndNames() throws {
        #expect(try expand("WORKDIR $DIR/src").text == "/cache/src")
        #expect(try expand("USER ${NAME}:${NAME}").text == "app:app")
        #expect(try expand("STOPSIGNAL SIG${SIG:-TERM}").text == "SIGTERM")
        #expect(try expand("VOLUME $DIR /v").list == ["/cache", "/v"])
        #expect(try expand("EXPOSE $P 90").list == ["80", "81/udp", "90"])
    }

    @Test func copyExpandsSourcesDestinationAndOwner() throws {
        let copy = try #require(try expand("COPY --from=build --chown=$NAME --chmod=${MODE:-644} $NAME.conf dir\\ x /etc/$NAME/").copy)
        #expect(copy.sources == ["app.conf", "dir", "x"])
        #expect(copy.chown == "app" && copy.chmod == "644" && copy.destination == "/etc/app/" && copy.from == "build")
        let quoted = try #require(try expand("COPY [\"$NAME file\", \"/x/\"]").copy)
        #expect(quoted.sources == ["app file"] && quoted.destination == "/x/")
        #expect(throws: SwrunError(.invalidArgument,
                                   "dockerfile parse error on line 2: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround")) {
            try expand("COPY --from=$NAME a b")
        }
    }

    @Test func runKeepsItsCommandButExpandsMounts() throws {
        let run = try #require(try expand("RUN --mount=type=cache,target=$DIR,id=${NAME} --mount=type=$T,target=/t echo $B").run)
        #expect(run.command == .shell("echo $B"))
        #expect(run.mounts == [RunMount(kind: .cache, target: "/cache", id: "app"), RunMount(kind: .tmpfs, target: "/t")])
        let unexpanded = try #require(try instruction("RUN --mount=type=$T,target=/t true").run)
        #expect(unexpanded.mounts.isEmpty)
    }

    @Test func commandsAreNotExpanded() throws {
        #expect(try expand("CMD echo $B").command == .shell("echo $B"))
        #expect(try expand("ENTRYPOINT [\"$B\"]").command == .exec(["$B"]))
        #expect(try expand("HEALTHCHECK CMD test $B").healthcheck?.test == ["CMD-SHELL", "test $B"])
        #expect(try expand("ONBUILD RUN echo $B").text == "RUN echo $B")
        #expect(try expand("SHELL [\"$B\"]").list == ["$B"])
    }

    @Test func backtickEscape() throws {
        let all = try Dockerfile.parse("# escape=`\nFROM scratch\nWORKDIR C:\\dir`$B\n")
        #expect(all.escape == "`")
        #expect(try all.stages[0].instructions[0].expanded(with: Self.variables, escape: all.escape).text == "C:\\dir$B")
    }

    @Test func errorsNameTheLine() {
        #expect(throws: SwrunError(.invalidArgument, "dockerfile parse error on line 2: failed to process \"${X:?required}\": X: required")) {
            try expand("ENV A=${X:?required}")
        }
        #expect(throws: SwrunError(.invalidArgument, "dockerfile parse error on line 2: failed to process \"\\\"a\": unexpected end of statement while looking for matching double-quote")) {
            try expand("COPY \"a b\" /c")
        }
        #expect(throws: SwrunError(.invalidArgument, "dockerfile parse error on line 2: unsupported mount type \"tmpfz\" (did you mean tmpfs?)")) {
            try instruction("RUN --mount=type=${T}z,target=/t true").expanded(with: ["T": "tmpf"], escape: "\\")
        }
    }
}
