import SwrunCgroups

extension ContainerRuntime {
    /// The cgroup version containers are placed under: 2 on a unified hierarchy, 1 on
    /// v1 or hybrid layouts (what `swrun info` reports).
    public static var cgroupVersion: Int { Cgroups.detectVersion() == .v2 ? 2 : 1 }
}
