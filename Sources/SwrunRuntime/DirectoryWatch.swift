import Glibc

/// An inotify watch on a container's directory: it reports an entry renamed into it
/// (the monitor's exit record and state.json are both written by rename) and the
/// directory itself moved or deleted (`--rm`). Events queue from the moment it is
/// made, so a change between a look at the directory and the next wait still wakes it.
public final class DirectoryWatch {
    /// The inotify fd, readable while events are queued; -1 when none could be made.
    let fd: Int32

    /// Watches `path`; a directory that cannot be watched yields a watch that never fires.
    public init(_ path: String) {
        var fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd >= 0 && inotify_add_watch(fd, path, UInt32(IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF | IN_ONLYDIR)) < 0 {
            close(fd)
            fd = -1
        }
        self.fd = fd
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Discards the queued events: the caller looks at the directory again anyway.
    func drain() {
        guard fd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
