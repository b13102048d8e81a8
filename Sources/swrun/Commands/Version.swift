import ArgumentParser
import Foundation
import SwrunOS
import SwrunRuntime

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Show the swrun version information.")

    mutating func run() throws {
        print("""
            Version:     \(SwrunVersion.string)
            OS/Arch:     linux/\(HostSystem.goArch)
            Kernel:      \(HostSystem.release)
            """)
    }
}
