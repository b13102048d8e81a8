import ArgumentParser
import Foundation
import SwrunImage
import SwrunOS
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
        print("""
            Containers: \(containers.count)
             Running: \(running)
             Stopped: \(containers.count - running)
            Images: \(try store.list().count)
            Server Version: \(SwrunVersion.string)
            Storage Driver: overlay
            Cgroup Version: \(ContainerRuntime.cgroupVersion)
            Kernel Version: \(HostSystem.release)
            Architecture: \(HostSystem.goArch)
            Swrun Root Dir: \(global.storeRoot)
            """)
    }
}
