import SwrunOS

extension CgroupV1Manager {
    /// Denies every device, then allows docker's default list, one rule per write.
    /// An unrestricted cgroup inherits its parent's list (all devices, normally).
    func applyDevices(_ limits: CgroupLimits) throws {
        guard limits.restrictDevices else { return }
        guard let dir = directory("devices") else {
            throw SwrunError(.unsupported, "cgroup v1: the devices controller is not mounted, so devices cannot be restricted")
        }
        try CgroupFS.write(dir + "/devices.deny", "a")
        try CgroupFS.writeLines(dir + "/devices.allow", limits.allowedDevices.map(\.v1String))
    }
}
