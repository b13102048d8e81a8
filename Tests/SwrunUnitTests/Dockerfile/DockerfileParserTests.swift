import SwrunOS
import Testing
@testable import SwrunDockerfile

@Suite("DockerfileParser")
struct DockerfileParserTests {
    @Test func stagesArgsAndNames() throws {
        let dockerfile = try Dockerfile.parse("""
            ARG BASE=alpine
            ARG TAG
            FROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-latest} AS Build
            RUN make
            from scratch
            COPY --from=build /out /out

            """)
        #expect(dockerfile.globalArgs == [ArgDeclaration(name: "BASE", defaultValue: "alpine"), ArgDeclaration(name: "TAG")])
        #expect(dockerfile.stages.count == 2)
        let build = dockerfile.stages[0]
        #expect(build.index == 0 && build.name == "build")
        #expect(build.from == FromInstruction(image: "${BASE}:${TAG:-latest}", platform: "$BUILDPLATFORM", line: 3,
                                              original: "FROM --platform=$BUILDPLATFORM ${BASE}:${TAG:-latest} AS Build"))
        #expect(build.instructions.map(\.original) == ["RUN make"])
        #expect(dockerfile.stages[1].name == nil && dockerfile.stages[1].index == 1)
        #expect(dockerfile.stages[1].instructions[0].copy?.from == "build")
        #expect(dockerfile.stages[1].instructions[0].line == 6)
        #expect(dockerfile.escape == "\\" && dockerfile.directives.isEmpty)
    }

    @Test func instructionNamesAreCaseInsensitive() throws {
        let all = try instructions("fRoM scratch\nrun echo hi\nWorkDir /x\n")
        #expect(all.map(\.original) == ["run echo hi", "WorkDir /x"])
        #expect(all[1].text == "/x")
    }

    @Test func directivesAtTheTop() throws {
        let dockerfile = try Dockerfile.parse("""
            # syntax=docker/dockerfile:1.7
            #Escape = `
            # check=skip=all
            FROM scratch
            RUN dir c:\\ `
                && echo done
            # escape=\\
            """)
        #expect(dockerfile.directives == ["syntax": "docker/dockerfile:1.7", "escape": "`", "check": "skip=all"])
        #expect(dockerfile.escape == "`")
        #expect(dockerfile.stages[0].instructions.map(\.original) == ["RUN dir c:\\     && echo done"])
    }

    @Test func directivesStopAtTheFirstOtherLine() throws {
        let dockerfile = try Dockerfile.parse("# a comment\n# escape=`\nFROM scratch\nRUN a \\\n  b\n")
        #expect(dockerfile.directives.isEmpty && dockerfile.escape == "\\")
        #expect(dockerfile.stages[0].instructions[0].original == "RUN a   b")
        let blankFirst = try Dockerfile.parse("\n# escape=`\nFROM scratch\n")
        #expect(blankFirst.escape == "\\")
    }

    @Test func directiveErrors() {
        #expect(parseError("# escape=\\\n# escape=`\nFROM scratch\n") == "dockerfile parse error on line 2: only one escape parser directive can be used")
        #expect(parseError("# escape=x\nFROM scratch\n") == "dockerfile parse error on line 1: invalid escape token 'x' does not match ` or \\")
    }

    @Test func commentsBlankLinesAndContinuations() throws {
        let all = try instructions("""
            FROM scratch
              # indented comment

            RUN apt-get update \\
            # a comment inside the continuation is skipped
                && apt-get install -y \\

                  curl
            RUN echo a \\\\
            RUN echo "#not a comment"
            RUN echo end \\
            """)
        #expect(all.map(\.original) == [
            "RUN apt-get update     && apt-get install -y       curl",
            "RUN echo a \\\\",
            "RUN echo \"#not a comment\"",
            "RUN echo end",
        ])
        #expect(all.map(\.line) == [4, 9, 10, 11])
        #expect(all[0].command == .shell("apt-get update     && apt-get install -y       curl"))
    }

    @Test func execFormAndShellForm() throws {
        #expect(try instruction("CMD [\"nginx\", \"-g\", \"daemon off;\"]").command == .exec(["nginx", "-g", "daemon off;"]))
        #expect(try instruction("ENTRYPOINT  [ \"a\\u00e9\\n\" ] ").command == .exec(["aé\n"]))
        #expect(try instruction("RUN [\"echo\", \"hi\"").command == .shell("[\"echo\", \"hi\""))
        #expect(try instruction("CMD echo $HOME").command == .shell("echo $HOME"))
        #expect(try instruction("CMD [\"a\"] extra").command == .shell("[\"a\"] extra"))
        #expect(try instruction("CMD []").command == .exec([]))
        #expect(parseError("FROM scratch\nCMD [\"a\", 1]\n")
                == "dockerfile parse error on line 2: when using JSON array syntax, arrays must be comprised of strings only")
        #expect(try instruction("SHELL [\"/bin/bash\", \"-c\"]").list == ["/bin/bash", "-c"])
        #expect(parseError("FROM scratch\nSHELL /bin/bash -c\n") == "dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form")
    }

    @Test func envAndLabelForms() throws {
        #expect(try instruction("ENV A=1 B=\"two words\" C=three\\ words").pairs == ["A=1", "B=\"two words\"", "C=three\\ words"])
        #expect(try instruction("ENV PATH /usr/local/bin:$PATH  more").pairs == ["PATH=/usr/local/bin:$PATH  more"])
        #expect(try instruction("LABEL \"com.example.vendor\"=\"ACME Inc\" version=1.0").pairs
                == ["\"com.example.vendor\"=\"ACME Inc\"", "version=1.0"])
        #expect(parseError("FROM scratch\nENV A=1 B\n")
                == "dockerfile parse error on line 2: Syntax error - can't find = in \"B\". Must be of the form: name=value")
        #expect(parseError("FROM scratch\nENV A\n") == "dockerfile parse error on line 2: ENV must have two arguments")
        #expect(parseError("FROM scratch\nLABEL\n") == "dockerfile parse error on line 2: LABEL requires at least one argument")
        #expect(parseError("FROM scratch\nENV =x\n") == "dockerfile parse error on line 2: ENV names can not be blank")
    }

    @Test func argDeclarations() throws {
        #expect(try instruction("ARG A B=2 C=\"x y\" D=").args == [
            ArgDeclaration(name: "A"), ArgDeclaration(name: "B", defaultValue: "2"),
            ArgDeclaration(name: "C", defaultValue: "\"x y\""), ArgDeclaration(name: "D", defaultValue: ""),
        ])
        #expect(parseError("FROM scratch\nARG\n") == "dockerfile parse error on line 2: ARG requires at least one argument")
        #expect(parseError("FROM scratch\nARG =1\n") == "dockerfile parse error on line 2: ARG names can not be blank")
    }

    @Test func runFlags() throws {
        let run = try #require(try instruction(
            "RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked,uid=1000,mode=0700 --network=none --security=insecure pip install x"
        ).run)
        #expect(run.command == .shell("pip install x"))
        #expect(run.network == "none" && run.security == "insecure")
        #expect(run.mounts == [RunMount(kind: .cache, target: "/root/.cache", id: "pip", readOnly: false, sharing: "locked", mode: 0o700, uid: 1000)])
        let plain = try #require(try instruction("RUN echo").run)
        #expect(plain.network == nil && plain.security == nil && plain.mounts.isEmpty)
    }

    @Test(arguments: [
        ("type=bind,source=.,target=/src", RunMount(kind: .bind, target: "/src", source: ".", readOnly: true)),
        ("target=/src,rw", RunMount(kind: .bind, target: "/src", readOnly: false)),
        ("type=bind,from=builder,src=/out,dst=/in,readonly=false", RunMount(kind: .bind, target: "/in", source: "/out", from: "builder")),
        ("type=tmpfs,target=/tmp,size=64m", RunMount(kind: .tmpfs, target: "/tmp", size: 64 << 20)),
        ("type=secret,id=token,env=TOKEN,required", RunMount(kind: .secret, id: "token", readOnly: true, required: true, env: "TOKEN")),
        ("type=ssh", RunMount(kind: .ssh, readOnly: true)),
        ("\"type=cache\",target=/c,ro", RunMount(kind: .cache, target: "/c", readOnly: true)),
    ])
    func mountKeys(_ spec: String, _ expected: RunMount) throws {
        #expect(try instruction("RUN --mount=\(spec) true").run?.mounts == [expected])
    }

    @Test(arguments: [
        ("type=volume,target=/x", "unsupported mount type \"volume\""),
        ("type=cach,target=/x", "unsupported mount type \"cach\" (did you mean cache?)"),
        ("type=cache,target=/x,sharing=everyone", "unsupported sharing value \"everyone\""),
        ("type=bind,target=/x,mode=0700", "mode not allowed for \"bind\" type mounts"),
        ("type=bind,target=/x,size=1m", "unexpected key 'size' for mount type 'bind'"),
        ("type=cache,targt=/x", "unexpected key 'targt' in 'targt=/x' (did you mean target?)"),
        ("type=cache,target=/x,uid=abc", "invalid value abc for uid"),
        ("type=cache,target=/x,shared", "invalid field 'shared' must be a key=value pair"),
        ("type=secret", "invalid secret mount. one of source, target required"),
        ("type=bind,target=/x,sharing=shared", "invalid cache sharing set for bind mount"),
        ("type=bind,from=$STAGE,target=/x", "'from' doesn't support variable expansion, define alias stage instead"),
    ])
    func mountErrors(_ spec: String, _ message: String) {
        #expect(parseError("FROM scratch\nRUN --mount=\(spec) true\n") == "dockerfile parse error on line 2: \(message)")
    }

    @Test func flagErrors() {
        #expect(parseError("FROM scratch\nRUN --network=bridge true\n") == "dockerfile parse error on line 2: invalid network mode \"bridge\"")
        #expect(parseError("FROM scratch\nRUN --security=x true\n") == "dockerfile parse error on line 2: security \"x\" is not valid")
        #expect(parseError("FROM scratch\nCOPY --chownn=1 a b\n") == "dockerfile parse error on line 2: unknown flag: --chownn (did you mean chown?)")
        #expect(parseError("FROM scratch\nCOPY --from=a --from=b a b\n") == "dockerfile parse error on line 2: duplicate flag specified: --from")
        #expect(parseError("FROM scratch\nCOPY --from a b\n") == "dockerfile parse error on line 2: missing a value on flag: --from")
        #expect(parseError("FROM scratch\nCOPY --link=maybe a b\n") == "dockerfile parse error on line 2: expecting boolean value for flag --link, not: maybe")
        #expect(parseError("FROM scratch\nWORKDIR --x=1 /a\n") == "dockerfile parse error on line 2: unknown flag: --x")
        #expect(parseError("FROM --platfrom=linux/amd64 scratch\n") == "dockerfile parse error on line 1: unknown flag: --platfrom (did you mean platform?)")
    }

    @Test func copyAndAdd() throws {
        let copy = try #require(try instruction(
            "COPY --from=0 --chown=app:app --chmod=0644 --link --exclude=*.md --exclude=tmp \"a b\" c* /dest/"
        ).copy)
        #expect(copy.sources == ["\"a", "b\"", "c*"] && copy.destination == "/dest/")
        #expect(copy.from == "0" && copy.chown == "app:app" && copy.chmod == "0644" && copy.link)
        #expect(copy.exclude == ["*.md", "tmp"])
        let json = try #require(try instruction("ADD [\"a b\", \"/x y/\"]").copy)
        #expect(json.sources == ["a b"] && json.destination == "/x y/" && !json.link && json.from == nil)
        #expect(parseError("FROM scratch\nCOPY a\n")
                == "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")
        #expect(parseError("FROM scratch\nADD --from=x a b\n") == "dockerfile parse error on line 2: unknown flag: --from")
        #expect(parseError("FROM scratch\nCOPY a <<EOF\nx\nEOF\n") == "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination")
    }

    @Test func fromForms() throws {
        #expect(parseError("FROM\n") == "dockerfile parse error on line 1: FROM requires either one or three arguments")
        #expect(parseError("FROM a b\n") == "dockerfile parse error on line 1: FROM requires either one or three arguments")
        #expect(parseError("FROM a AS 1st\n")
                == "dockerfile parse error on line 1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols")
        let stage = try Dockerfile.parse("FROM alpine:3.20 as my-stage_1.x\n").stages[0]
        #expect(stage.name == "my-stage_1.x" && stage.from.image == "alpine:3.20" && stage.from.platform == nil)
    }

    @Test func healthcheck() throws {
        let check = try #require(try instruction(
            "HEALTHCHECK --interval=1m30s --timeout=3s --start-period=0.5s --start-interval=250ms --retries=3 CMD curl -f http://localhost/ || exit 1"
        ).healthcheck)
        #expect(check == HealthcheckInstruction(test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 90_000_000_000,
                                                timeout: 3_000_000_000, startPeriod: 500_000_000, startInterval: 250_000_000, retries: 3))
        #expect(try instruction("HEALTHCHECK CMD [\"/bin/check\", \"-q\"]").healthcheck == HealthcheckInstruction(test: ["CMD", "/bin/check", "-q"]))
        #expect(try instruction("healthcheck none").healthcheck == HealthcheckInstruction(test: ["NONE"]))
        #expect(try instruction("HEALTHCHECK --interval=0s CMD true").healthcheck?.interval == nil)
    }

    @Test(arguments: [
        ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
        ("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"),
        ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK RUN x", "Unknown type \"RUN\" in HEALTHCHECK (try CMD)"),
        ("HEALTHCHECK --interval=5 CMD x", "time: missing unit in duration \"5\""),
        ("HEALTHCHECK --interval=5d CMD x", "time: unknown unit \"d\" in duration \"5d\""),
        ("HEALTHCHECK --timeout=soon CMD x", "time: invalid duration \"soon\""),
        ("HEALTHCHECK --interval=10us CMD x", "Interval \"interval\" cannot be less than 1ms"),
        ("HEALTHCHECK --retries=-1 CMD x", "--retries cannot be negative (-1)"),
        ("HEALTHCHECK --retries=x CMD x", "strconv.ParseInt: parsing \"x\": invalid syntax"),
        ("HEALTHCHECK --intervl=1s CMD x", "unknown flag: --intervl (did you mean interval?)"),
    ])
    func healthcheckErrors(_ line: String, _ message: String) {
        #expect(parseError("FROM scratch\n\(line)\n") == "dockerfile parse error on line 2: \(message)")
    }

    @Test func onbuildKeepsTheTrigger() throws {
        #expect(try instruction("ONBUILD RUN --mount=type=cache,target=/c echo  hi").text == "RUN --mount=type=cache,target=/c echo  hi")
        #expect(try instruction("  onbuild   COPY . /app").text == "COPY . /app")
        #expect(try instruction("ONBUILD FOO bar").text == "FOO bar")
        let heredoc = try instructions("FROM scratch\nONBUILD RUN <<EOF\necho hi\nEOF\nUSER x\n")
        #expect(heredoc.map(\.text) == ["RUN <<EOF\necho hi\nEOF", "x"])
        #expect(parseError("FROM scratch\nONBUILD ONBUILD RUN x\n") == "dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
        #expect(parseError("FROM scratch\nONBUILD from alpine\n") == "dockerfile parse error on line 2: FROM isn't allowed as an ONBUILD trigger")
        #expect(parseError("FROM scratch\nONBUILD MAINTAINER me\n") == "dockerfile parse error on line 2: MAINTAINER isn't allowed as an ONBUILD trigger")
        #expect(parseError("FROM scratch\nONBUILD\n") == "dockerfile parse error on line 2: ONBUILD requires at least one argument")
        let triggers = try Dockerfile.parseInstructions("RUN echo hi\nCOPY a b")
        #expect(triggers.map(\.original) == ["RUN echo hi", "COPY a b"])
    }

    @Test func otherInstructions() throws {
        #expect(try instruction("MAINTAINER Jane Doe <jane@example.com>").text == "Jane Doe <jane@example.com>")
        #expect(try instruction("EXPOSE 8080/udp 80 443/tcp").list == ["443/tcp", "80", "8080/udp"])
        #expect(try instruction("VOLUME [\"/data\", \"/logs\"]").list == ["/data", "/logs"])
        #expect(try instruction("VOLUME /a /b").list == ["/a", "/b"])
        #expect(try instruction("USER app:app").text == "app:app")
        #expect(try instruction("STOPSIGNAL SIGKILL").text == "SIGKILL")
        #expect(try instruction("WORKDIR /path with spaces").text == "/path with spaces")
    }

    @Test(arguments: [
        ("FROM scratch\nBOGUS bar\n", "dockerfile parse error on line 2: unknown instruction: BOGUS"),
        ("FROM scratch\nFOO bar\n", "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)"),
        ("FROM scratch\nRUNN x\n", "dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)"),
        ("FROM scratch\ncopyy a b\n", "dockerfile parse error on line 2: unknown instruction: copyy (did you mean copy?)"),
        ("RUN echo hi\n", "dockerfile parse error on line 1: no build stage in current context"),
        ("ARG A\n", "dockerfile contains no stages to build"),
        ("", "the Dockerfile cannot be empty"),
        ("# only a comment\n\n", "file with no instructions"),
        ("FROM scratch\nWORKDIR\n", "dockerfile parse error on line 2: WORKDIR requires exactly one argument"),
        ("FROM scratch\nUSER\n", "dockerfile parse error on line 2: USER requires exactly one argument"),
        ("FROM scratch\nSTOPSIGNAL\n", "dockerfile parse error on line 2: STOPSIGNAL requires exactly one argument"),
        ("FROM scratch\nMAINTAINER\n", "dockerfile parse error on line 2: MAINTAINER requires exactly one argument"),
        ("FROM scratch\nEXPOSE\n", "dockerfile parse error on line 2: EXPOSE requires at least one argument"),
        ("FROM scratch\nVOLUME\n", "dockerfile parse error on line 2: VOLUME requires at least one argument"),
        ("FROM scratch\nVOLUME [\"\"]\n", "dockerfile parse error on line 2: VOLUME specified can not be an empty string"),
        ("FROM scratch\nSHELL []\n", "dockerfile parse error on line 2: SHELL requires at least one argument"),
        ("FROM scratch\nRUN <<EOF\necho\n", "dockerfile parse error on line 2: unterminated heredoc"),
    ])
    func errorsAreBuildKits(_ text: String, _ message: String) {
        #expect(parseError(text) == message)
    }

    @Test func errorsAreInvalidArgument() {
        #expect(throws: SwrunError(.invalidArgument, "dockerfile parse error on line 1: unknown instruction: BOGUS")) {
            try Dockerfile.parse("BOGUS\n")
        }
    }
}
