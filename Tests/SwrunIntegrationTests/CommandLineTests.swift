import Foundation
import Testing

/// The first word of a command line: the design card's `swrun -it --rm IMAGE …`
/// shorthand for `run`, and docker's answer to a word that names no command.
@Suite("command line: run shorthand and unknown commands", .serialized)
struct CommandLineTests {
    let swrun: Swrun

    init() throws { swrun = try Swrun() }

    @Test func optionsRightAfterTheProgramNameMeanRun() {
        let result = swrun.run(["-i", "--rm", "-e", "GREETING=hi", "busybox", "sh", "-c", "cat; echo $GREETING"],
                               stdin: Data("from stdin\n".utf8))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "from stdin\nhi\n")
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test func theShorthandKeepsRunsExitCodesAndErrors() {
        #expect(swrun.run(["--rm", "busybox", "sh", "-c", "exit 7"]).status == 7)
        let missing = swrun.run(["--rm", "busybox", "/no/such"])
        #expect(missing.status == 127, "\(missing)")
        let unknownFlag = swrun.run(["--no-such-flag", "busybox"])
        #expect(unknownFlag.status == 125, "\(unknownFlag)")
    }

    @Test func swrunsOwnOptionsStayItsOwn() {
        let version = swrun.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("swrun version "), "\(version)")
        let help = swrun.run(["--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE: swrun"), "\(help)")
        #expect(swrun.containerIDs().isEmpty)
    }

    @Test(arguments: ["frobnicate", "runn"])
    func anUnknownCommandIsRefusedInDockersWords(word: String) {
        let result = swrun.run([word, "busybox"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr == "swrun: '\(word)' is not a swrun command. See 'swrun --help'\n")
    }
}
