import ArgumentParser
import Foundation
import SwrunCgroups
import SwrunImage
import SwrunRuntime

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Display system-wide information.")

    @OptionGroup var global: GlobalOptions

    mutating func run() throws {
        let runtime = try global.runtime()
        let store = try global.imageStore()
        let containers = try runtime.containers.list()
        let running = containers.filter(\.isRunning).count
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: uts.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        print("""
            Containers: \(containers.count)
             Running: \(running)
             Stopped: \(containers.count - running)
            Images: \(try store.list().count)
            Server Version: \(SwrunVersion.string)
            Storage Driver: overlay
            Cgroup Version: \(Cgroups.detectVersion() == .v2 ? "2" : "1")
            Kernel Version: \(kernel)
            Architecture: \(Platform.goArch)
            Swrun Root Dir: \(global.storeRoot)
            """)
    }
}
