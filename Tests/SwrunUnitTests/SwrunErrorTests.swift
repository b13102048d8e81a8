import Testing
@testable import SwrunOCI
import SwrunOS
import SwrunRuntime

@Suite("SwrunError")
struct SwrunErrorTests {
    @Test func aCauseAddsItsWordsToTheUserLine() {
        let inner = SwrunError.system("open /x", errno: 2)
        let outer = SwrunError(.notFound, "load image.tar", cause: inner)
        #expect(outer.message == "load image.tar: open /x: No such file or directory")
        #expect(outer.context == "load image.tar")
        #expect(outer.code == .notFound)
    }

    @Test func translatingKeepsTheCausesWordsAlone() {
        let inner = SwrunError(.corrupt, "bad")
        #expect(SwrunError(.conflict, translating: inner).message == "bad")
    }

    @Test func theChainNamesEveryLinkWithItsCode() {
        struct Plain: Error, CustomStringConvertible { var description: String { "plain\nfailure" } }
        let error = SwrunError(.corrupt, "outer", cause: SwrunError(.system, "middle", errno: 5, cause: Plain()))
        #expect(error.chain == [
            "SwrunError(corrupt): outer",
            "SwrunError(system errno 5): middle",
            "Plain: plain failure",
        ])
        #expect(error.message == "outer: middle: plain failure")
    }

    @Test func aDecodingFailureReadsAsWhatAndWhere() throws {
        struct Doc: Decodable { struct Inner: Decodable { var cwd: String }; var process: Inner }
        let error = #expect(throws: SwrunError.self) {
            try OCIJSON.decode(Doc.self, from: Array(#"{"process": {}}"#.utf8), what: "config.json")
        }
        #expect(error?.message == "config.json: invalid JSON: missing key cwd at process")
        #expect(error?.chain.count == 2)
    }

    @Test func oneLineFoldsAndBounds() {
        #expect(SwrunError.oneLine("a\n  b\t\nc  ") == "a b c")
        #expect(SwrunError.oneLine(String(repeating: "x", count: 400)).count == 301)
    }

    @Test func exitStatusFollowsDocker() {
        #expect(SwrunError.exitStatus(for: SwrunError(.commandNotFound, "exec: nope")) == 127)
        #expect(SwrunError.exitStatus(for: SwrunError(.commandNotExecutable, "exec: /etc")) == 126)
        #expect(SwrunError.exitStatus(for: SwrunError(.system, "pivot_root")) == 125)
    }
}
