import SwrunOS

extension CgroupV1Manager {
    func freeze() throws {
        try setFreezerState("FROZEN")
    }

    func thaw() throws {
        try setFreezerState("THAWED")
    }

    var isFrozen: Bool {
        guard let dir = directory("freezer"), let state = try? CgroupFS.read(dir + "/freezer.state") else { return false }
        return !state.hasPrefix("THAWED")
    }

    /// Writes `freezer.state` until it reads back `state` ("FREEZING" in between);
    /// the write is repeated because tasks forked meanwhile can leave it FREEZING.
    private func setFreezerState(_ state: String) throws {
        try cgroupPath.validate()
        guard let dir = directory("freezer") else {
            throw SwrunError(.unsupported, "cgroup v1: the freezer controller is not mounted")
        }
        let file = dir + "/freezer.state"
        let done = try CgroupFS.waitUntil(seconds: 5) {
            try CgroupFS.write(file, state)
            return try CgroupFS.read(file).hasPrefix(state)
        }
        if !done {
            throw SwrunError(.system, "freezer.state \(state) for \(path): still \(try CgroupFS.read(file))")
        }
    }
}
