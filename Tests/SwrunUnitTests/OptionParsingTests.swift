import Testing
import SwrunOS
@testable import SwrunRuntime

@Suite struct OptionParsingTests {
    @Test(arguments: [("1024", Int64(1024)), ("512m", 512 << 20), ("1g", 1 << 30), ("1G", 1 << 30), ("100k", 102_400),
                      ("2gb", 2 << 30), ("1.5g", 3 << 29), ("-1", -1), ("10b", 10)])
    func sizes(text: String, bytes: Int64) throws {
        #expect(try OptionParsing.bytes(text) == bytes)
    }

    @Test(arguments: ["", "abc", "12x", "-5m", "m"])
    func badSizes(text: String) {
        #expect(throws: SwrunError.self) { try OptionParsing.bytes(text) }
    }

    @Test func ulimits() throws {
        #expect(try OptionParsing.ulimit("nofile=512:1024") == InitRlimit(resource: 7, soft: 512, hard: 1024))
        #expect(try OptionParsing.ulimit("nproc=100") == InitRlimit(resource: 6, soft: 100, hard: 100))
        #expect(try OptionParsing.ulimit("core=-1") == InitRlimit(resource: 4, soft: .max, hard: .max))
        for bad in ["nofile", "bogus=1", "nofile=2:1", "nofile=a", "nofile=1:2:3"] {
            #expect(throws: SwrunError.self) { try OptionParsing.ulimit(bad) }
        }
    }

    @Test func tmpfsDefaultsAndOptions() throws {
        let plain = try OptionParsing.tmpfs("/scratch")
        #expect(plain.destination == "/scratch")
        #expect(plain.flags == MountFlags.noExec | MountFlags.noSuid | MountFlags.noDev)
        #expect(plain.data == "size=65536k")
        let custom = try OptionParsing.tmpfs("/run:exec,ro,size=1m,mode=1777")
        #expect(custom.flags == MountFlags.noSuid | MountFlags.noDev | MountFlags.readOnly)
        #expect(custom.data == "size=1m,mode=1777")
        #expect(throws: SwrunError.self) { try OptionParsing.tmpfs("relative") }
    }

    @Test func volumes() throws {
        let rw = try OptionParsing.volume("/host:/ctr")
        #expect(rw == InitMount(kind: .bind, source: "/host", destination: "/ctr"))
        #expect(try OptionParsing.volume("/host:/ctr:ro").flags == MountFlags.readOnly)
        for bad in ["/host", "named:/ctr", "/host:rel", "/host:/ctr:bogus", ":/ctr"] {
            #expect(throws: SwrunError.self) { try OptionParsing.volume(bad) }
        }
    }

    @Test func envFileSkipsCommentsAndBlanks() {
        #expect(OptionParsing.envFile("# c\nA=1\n\n  B=two words \nC\n") == ["A=1", "B=two words", "C"])
    }
}
