import Testing
@testable import swrun

/// docker's bool flags that take a bare form (`--pause`, `--sig-proxy`) become
/// `=true` before argument-parser reads the line, for their own command only.
@Suite struct BareFlagTests {
    @Test func bareFlagsGetTheirValueForTheirCommand() {
        #expect(CommandLineShorthand.normalizingBareFlags(["commit", "--pause", "c", "r:t"]) == ["commit", "--pause=true", "c", "r:t"])
        #expect(CommandLineShorthand.normalizingBareFlags(["container", "attach", "--sig-proxy", "c"])
            == ["container", "attach", "--sig-proxy=true", "c"])
        #expect(CommandLineShorthand.normalizingBareFlags(["attach", "--sig-proxy=false", "c"]) == ["attach", "--sig-proxy=false", "c"])
    }

    @Test func otherCommandsAndTheCommandsArgumentsAreLeftAlone() {
        #expect(CommandLineShorthand.normalizingBareFlags(["run", "--sig-proxy", "img"]) == ["run", "--sig-proxy", "img"])
        #expect(CommandLineShorthand.normalizingBareFlags(["attach", "--", "--sig-proxy"]) == ["attach", "--", "--sig-proxy"])
        #expect(CommandLineShorthand.normalizingBareFlags(["commit", "--pause"]) == ["commit", "--pause=true"])
    }
}
