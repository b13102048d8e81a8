import ArgumentParser
import Foundation
import SwrunRuntime

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show the swrun version information.")

    mutating func run() throws {
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: uts.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        print("""
            Version:     \(SwrunVersion.string)
            OS/Arch:     linux/\(Platform.goArch)
            Kernel:      \(kernel)
            """)
    }
}

enum Platform {
    /// The machine in Go's GOARCH spelling, as image configs and docker use it.
    static var goArch: String {
        var uts = utsname()
        uname(&uts)
        let machine = withUnsafeBytes(of: uts.machine) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        default: return machine
        }
    }
}
