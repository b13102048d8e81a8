import Foundation
import Glibc
import Testing
@testable import SwrunLayer
import SwrunOS

/// Layers crafted to write outside the extraction root. Each one must throw, name the
/// offending entry, and leave everything next to the root untouched.
@Suite("LayerExtractor hostile layers", .enabled(if: runningAsRoot, "needs root"))
struct LayerExtractorHostileTests {
    enum Layer: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case dotDot, nestedDotDot, absolute, symlinkToOutside, symlinkUp, symlinkDirThenFile
        case hardlinkDotDot, hardlinkThroughSymlink, hardlinkThroughEtcSymlink, hardlinkAbsolute
        case whiteoutThroughSymlink, opaqueThroughSymlink

        var testDescription: String { rawValue }

        /// What the error must say about the offender.
        var reason: String {
            switch self {
            case .dotDot, .nestedDotDot, .hardlinkDotDot: return "\"..\" component"
            case .absolute, .hardlinkAbsolute: return "absolute path"
            default: return "goes through a symlink"
            }
        }

        /// The absolute name the `absolute` case tries to write.
        static let absoluteTarget = "/swrun-layer-test-absolute-\(getpid())"

        /// Builds the layer; `outside` is an existing empty directory next to the root.
        func build(outside: String) -> (tar: [UInt8], offender: String) {
            let tar = TarBuilder()
            tar.file("innocent", Array("ok".utf8))
            let offender: String
            switch self {
            case .dotDot:
                offender = "../escape"
                tar.file(offender, Array("pwned".utf8))
            case .nestedDotDot:
                offender = "a/b/../../../escape"
                tar.directory("a/b/")
                tar.file(offender, Array("pwned".utf8))
            case .absolute:
                offender = Self.absoluteTarget + "/x"
                tar.file(offender, Array("pwned".utf8))
            case .symlinkToOutside:
                tar.symlink("evil", target: outside)
                offender = "evil/pwned"
                tar.file(offender, Array("pwned".utf8))
            case .symlinkUp:
                tar.symlink("up", target: "../../..")
                offender = "up/x"
                tar.file(offender, Array("pwned".utf8))
            case .symlinkDirThenFile:
                tar.symlink("evil", target: outside)
                offender = "evil/sub/"
                tar.directory(offender)
                tar.file("evil/sub/pwned", Array("pwned".utf8))
            case .hardlinkDotDot:
                offender = "passwd"
                tar.hardlink(offender, target: "../../etc/passwd")
            case .hardlinkThroughSymlink:
                tar.symlink("s", target: outside + "/../secret-dir")
                offender = "stolen"
                tar.hardlink(offender, target: "s/secret")
            case .hardlinkThroughEtcSymlink:
                tar.symlink("etc-link", target: "/etc")
                offender = "shadow"
                tar.hardlink(offender, target: "etc-link/passwd")
            case .hardlinkAbsolute:
                offender = "passwd"
                tar.hardlink(offender, target: "/etc/passwd")
            case .whiteoutThroughSymlink:
                tar.symlink("w", target: outside)
                offender = "w/.wh.victim"
                tar.file(offender, [])
            case .opaqueThroughSymlink:
                tar.symlink("o", target: outside)
                offender = "o/.wh..wh..opq"
                tar.file(offender, [])
            }
            return (tar.finish(), offender)
        }
    }

    @Test("a hostile layer throws and writes nothing outside the root", arguments: Layer.allCases)
    func hostile(layer: Layer) throws {
        let dir = try TempDir()
        let outside = dir.base + "/outside"
        #expect(mkdir(outside, 0o755) == 0)
        // A file outside the root that hardlink attacks try to reach.
        #expect(mkdir(dir.base + "/secret-dir", 0o700) == 0)
        let secret = dir.base + "/secret-dir/secret"
        try Data("secret".utf8).write(to: URL(fileURLWithPath: secret))
        let (input, offender) = layer.build(outside: outside)

        do {
            try dir.extract(input)
            Issue.record("no error")
        } catch let error as SwrunError {
            #expect(error.code == .corrupt, "\(error)")
            #expect(error.message.contains(offender), "\(error)")
            #expect(error.message.contains(layer.reason), "\(error)")
        }

        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(try dir.strayNames() == ["outside", "secret-dir"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.base + "/secret-dir") == ["secret"])
        var secretStat = Glibc.stat()
        #expect(lstat(secret, &secretStat) == 0 && secretStat.st_nlink == 1)
        #expect(access(Layer.absoluteTarget, F_OK) != 0)
        #expect(access("/escape", F_OK) != 0)
        #expect(!dir.exists("stolen") && !dir.exists("shadow") && !dir.exists("passwd"))
    }

    @Test("a final symlink is replaced, never written through")
    func finalSymlinkReplaced() throws {
        let dir = try TempDir()
        let outside = dir.base + "/outside"
        #expect(mkdir(outside, 0o755) == 0)
        let tar = TarBuilder()
        tar.symlink("file-link", target: outside + "/target")
        tar.file("file-link", Array("inside".utf8))
        tar.symlink("dir-link", target: outside)
        tar.directory("dir-link/", perm: 0o700)
        tar.symlink("node-link", target: outside + "/node")
        tar.node("node-link", type: S_IFIFO, perm: 0o600)
        // A hardlink to a symlink links the symlink itself.
        tar.symlink("passwd-link", target: "/etc/passwd")
        tar.hardlink("passwd-link2", target: "passwd-link")
        try dir.extract(tar.finish())

        #expect(try dir.contents("file-link") == Array("inside".utf8))
        #expect(try dir.stat("dir-link").st_mode == S_IFDIR | 0o700)
        #expect(try dir.stat("node-link").st_mode & S_IFMT == S_IFIFO)
        #expect(try dir.stat("passwd-link2").st_mode & S_IFMT == S_IFLNK)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        var outsideStat = Glibc.stat()
        #expect(lstat(outside, &outsideStat) == 0 && outsideStat.st_mode == S_IFDIR | 0o755)
    }
}
