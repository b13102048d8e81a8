/// One container's cgroup, in whichever cgroup version the host has.
public protocol CgroupManager: Sendable {
    var version: CgroupVersion { get }
    /// Path relative to the hierarchy root, e.g. "/swrun/<id>".
    var path: String { get }
    /// Creates the cgroup (and its parents, enabling the controllers it needs on v2)
    /// and writes `limits`. Idempotent.
    func create(limits: CgroupLimits) throws
    /// Files a process joins by writing its pid (or "0" for itself): on v1 one
    /// `cgroup.procs` per mounted hierarchy used, on v2 the one `cgroup.procs`.
    var procsFiles: [String] { get }
    /// v2: the cgroup's directory, for `clone3(CLONE_INTO_CGROUP)`; v1: nil.
    var unifiedDirectory: String? { get }
    /// The processes in the cgroup.
    func pids() throws -> [Int32]
    /// Freezes every process in the cgroup and returns once they are frozen.
    func freeze() throws
    /// Lets frozen processes run again.
    func thaw() throws
    /// Whether the cgroup is frozen (or freezing); false when it does not exist.
    var isFrozen: Bool { get }
    /// Kills the processes left (SIGKILL) and removes the cgroup from every
    /// hierarchy. A cgroup that does not exist is fine.
    func destroy() throws
    /// CPU, memory and task usage now.
    func stats() -> CgroupStats
    /// Whether the kernel's OOM killer has killed a process in the cgroup.
    func oomKilled() -> Bool
}
