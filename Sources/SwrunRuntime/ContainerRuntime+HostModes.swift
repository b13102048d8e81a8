import FoundationEssentials
import SwrunOS

extension ContainerRuntime {
    /// The namespaces `--ipc container:X` and `--pid container:X` join (keyed by the
    /// spec's namespace type), and the /dev/shm `--ipc host` binds ("shm"). X's own
    /// /dev/shm lives in X's mount namespace, which open_tree cannot clone from, so
    /// `container:X` shares SysV IPC but not POSIX shm (docker keeps shm on the host).
    func sharedNamespaces(for options: ContainerOptions) throws -> [String: String] {
        var shared: [String: String] = [:]
        if options.ipc == "host" { shared["shm"] = "/dev/shm" }
        if let ipc = options.ipc, ipc.hasPrefix("container:") {
            let donor = try runningDonor(String(ipc.dropFirst("container:".count)), namespace: "IPC")
            guard donor.ipcMode == "shareable" || donor.ipcMode == "host" else {
                throw SwrunError(.invalidArgument, "non-shareable IPC (hint: use IpcMode:shareable for the donor container)")
            }
            shared["ipc"] = "/proc/\(donor.pid)/ns/ipc"
        }
        if let pid = options.pid, pid.hasPrefix("container:") {
            let donor = try runningDonor(String(pid.dropFirst("container:".count)), namespace: "PID")
            shared["pid"] = "/proc/\(donor.pid)/ns/pid"
        }
        return shared
    }

    private func runningDonor(_ reference: String, namespace: String) throws -> ContainerState {
        let donor = try containers.lookup(reference)
        guard donor.isRunning else {
            throw SwrunError(.conflict, "cannot join \(namespace) of a non running container: \(reference)")
        }
        return donor
    }
}

extension ContainerState {
    /// Keeps what `ps`, `inspect`, `stop` and `restart` read of the run flags.
    mutating func record(_ options: ContainerOptions, image: ImageSnapshot) {
        let merged = image.labels.merging(options.labels) { $1 }
        labels = merged.isEmpty ? nil : merged
        stopSignal = options.stopSignal
        stopTimeout = options.stopTimeout
        ipcMode = options.ipc
        pidMode = options.pid
        utsMode = options.uts
        shmSize = options.shmSize
    }
}
