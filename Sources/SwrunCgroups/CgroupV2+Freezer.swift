import SwrunOS

extension CgroupV2Manager {
    func freeze() throws {
        try setFrozen(true)
    }

    func thaw() throws {
        try setFrozen(false)
    }

    var isFrozen: Bool {
        (try? CgroupFS.read(directory + "/cgroup.freeze"))?.hasPrefix("1") ?? false
    }

    /// Writes `cgroup.freeze` and waits until `cgroup.events` reports the new state.
    private func setFrozen(_ frozen: Bool) throws {
        try cgroupPath.validate()
        let value: Int64 = frozen ? 1 : 0
        try CgroupFS.write(directory + "/cgroup.freeze", String(value))
        let done = try CgroupFS.waitUntil(seconds: 5) {
            CgroupFS.keyedValue("frozen", in: try CgroupFS.read(directory + "/cgroup.events")) == value
        }
        if !done {
            throw SwrunError(.system, "cgroup.freeze \(value) for \(path): cgroup.events did not report frozen \(value)")
        }
    }
}
