import CSwrun
import Glibc
import SwrunOS

/// PATH for images that set none, as docker uses.
let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extension ContainerChild {
    /// User, working dir, capabilities, no_new_privs and seccomp, in the order the
    /// kernel requires: the bounding set shrinks while CAP_SETPCAP is still held, the
    /// filter loads while CAP_SYS_ADMIN still is (unless no_new_privs makes that moot).
    func setUpProcess() throws {
        let user: ResolvedUser
        do {
            user = try UserDatabase.resolve(config.user, passwd: readText("/etc/passwd"), group: readText("/etc/group"),
                                            additionalGroups: config.additionalGroups)
        } catch let error as SwrunError {
            throw InitFailure("user", errno: EINVAL, message: error.message)
        }
        environment = config.env
        if !environment.contains(where: { $0.hasPrefix("HOME=") }) { environment.append("HOME=" + user.home) }
        if !environment.contains(where: { $0.hasPrefix("PATH=") }) { environment.insert("PATH=" + defaultPath, at: 0) }

        try makeDirectory(config.cwd)
        try check(kernel.chdir(config.cwd), "chdir \(config.cwd)")
        try awaitStart()

        // Only what this process may still hold: a privileged container on a host whose
        // bounding set lacks a capability gets the rest, as docker does.
        let sets = config.capabilitySets.count == 5
            ? config.capabilitySets : [config.capabilities, config.capabilities, config.capabilities, 0, 0]
        let last = kernel.lastCapability()
        var held: UInt64 = 0
        for cap in 0...last {
            let bit = UInt64(1) << UInt64(cap)
            guard kernel.prctl(23 /* PR_CAPBSET_READ */, UInt(cap), 0, 0, 0) == 1 else { continue }
            held |= bit
            if sets[0] & bit == 0 {
                try check(kernel.dropBoundingCapability(Int32(cap)), "drop capability \(cap) from the bounding set")
            }
        }
        try markDescriptorsCloseOnExec()
        if !config.seccompFilter.isEmpty && !config.noNewPrivileges {
            try loadSeccomp()
        }
        try check(kernel.setKeepCapabilities(true), "keep capabilities")
        try check(kernel.setgroups(user.additionalGids), "setgroups")
        try check(kernel.setgid(user.gid), "setgid \(user.gid)")
        try check(kernel.setuid(user.uid), "setuid \(user.uid)")
        try check(kernel.setKeepCapabilities(false), "keep capabilities")
        try check(kernel.capset(effective: sets[1] & held, permitted: sets[2] & held, inheritable: sets[3] & held), "capset")
        try check(kernel.clearAmbientCapabilities(), "clear ambient capabilities")
        for cap in 0...last where sets[4] & held & (UInt64(1) << UInt64(cap)) != 0 {
            try check(kernel.prctl(47 /* PR_CAP_AMBIENT */, 2 /* RAISE */, UInt(cap), 0, 0), "raise ambient capability \(cap)")
        }
        if config.noNewPrivileges {
            try check(kernel.setNoNewPrivileges(), "no_new_privs")
            if !config.seccompFilter.isEmpty { try loadSeccomp() }
        }
        kernel.umask(mode_t(config.umask ?? 0o022))
    }

    /// Runtime mode (`create`): tells the parent this process is ready, then blocks
    /// opening the exec FIFO for writing until `start` opens it for reading. The
    /// command is looked up first, so a missing one fails `create`, not `start`.
    private func awaitStart() throws {
        guard execFifoFD >= 0 else { return }
        try checkCommandExists()
        let ready: [UInt8] = [UInt8(ascii: "R")]
        let sent = ready.withUnsafeBytes { send(sync.fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
        if sent != 1 { throw InitFailure("report ready") }
        sync.close()
        parentGone = true
        var fifo: Int32
        repeat {
            fifo = open("/proc/self/fd/\(execFifoFD)", O_WRONLY | O_CLOEXEC)
        } while fifo < 0 && errno == EINTR
        try check(fifo, "open exec fifo")
        var byte: UInt8 = UInt8(ascii: "0")
        _ = write(fifo, &byte, 1)
        close(fifo)
        close(execFifoFD)
        execFifoFD = -1
    }

    private func checkCommandExists() throws {
        guard let command = config.args.first, !command.isEmpty else {
            throw InitFailure("exec", errno: ENOENT, message: "no command specified")
        }
        if command.contains("/") {
            if access(command, F_OK) == 0 { return }
            throw execFailure(command, sw_errno())
        }
        let path = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? defaultPath
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            var st = stat()
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + command
            if stat(candidate, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_mode & 0o111 != 0 { return }
        }
        throw InitFailure("exec", errno: ENOENT, message: "exec: \"\(command)\": executable file not found in $PATH")
    }

    /// No host fd may reach the command (CVE-2024-21626): close_range(CLOEXEC) from fd
    /// 3 up; before Linux 5.11 each open fd listed in /proc/self/fd is marked instead.
    private func markDescriptorsCloseOnExec() throws {
        let first = UInt32(3 + config.preserveFDs)
        if kernel.markCloseOnExec(from: first) == 0 { return }
        guard sw_errno() == ENOSYS || sw_errno() == EINVAL else { throw InitFailure("close_range") }
        let names: [String]
        do { names = try FileIO.directoryNames("/proc/self/fd") } catch { throw InitFailure("list /proc/self/fd") }
        for fd in names.compactMap({ Int32($0) }) where fd >= Int32(first) {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { try check(fcntl(fd, F_SETFD, flags | FD_CLOEXEC), "mark fd \(fd) close-on-exec") }
        }
    }

    private func loadSeccomp() throws {
        try check(kernel.loadSeccomp(config.seccompFilter), "load seccomp filter")
    }

    private func readText(_ path: String) -> String? {
        guard let bytes = kernel.readFile(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Resolves the command against the container's PATH and execs it. With `--init`,
    /// PID 1 stays behind as a reaper that forwards signals. Returns only by throwing.
    func execCommand() throws {
        guard let command = config.args.first, !command.isEmpty else {
            throw InitFailure("exec", errno: ENOENT, message: "no command specified")
        }
        var blocked = sigset_t()
        sigfillset(&blocked)
        if config.useInit {
            sigprocmask(SIG_SETMASK, &blocked, nil)
            let child = fork()
            try check(child, "fork")
            if child > 0 {
                sync.close()
                Reaper(child: child).run()
            }
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        for sig in Int32(1)..<32 where sig != SIGKILL && sig != SIGSTOP { signal(sig, SIG_DFL) }
        sigprocmask(SIG_SETMASK, &empty, nil)

        let candidates: [String]
        if command.contains("/") {
            candidates = [command]
        } else {
            let path = environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? defaultPath
            candidates = path.split(separator: ":", omittingEmptySubsequences: false).map { dir in
                (dir.isEmpty ? "." : String(dir)) + "/" + command
            }
        }
        var sawAccessError: Int32 = 0
        for candidate in candidates {
            execv(candidate, config.args, environment)
            let err = sw_errno()
            // Searching PATH, a miss or a denied entry moves on to the next directory.
            let searching = !command.contains("/")
            if searching && (err == ENOENT || err == ENOTDIR || err == ESTALE || err == ELOOP) { continue }
            if searching && err == EACCES {
                sawAccessError = err
                continue
            }
            throw execFailure(candidate, err)
        }
        if sawAccessError != 0 { throw execFailure(command, sawAccessError) }
        if command.contains("/") { throw execFailure(command, ENOENT) }
        throw InitFailure("exec", errno: ENOENT, message: "exec: \"\(command)\": executable file not found in $PATH")
    }

    private func execFailure(_ path: String, _ err: Int32) -> InitFailure {
        InitFailure("exec", errno: err, message: "exec \(path): \(String(cString: strerror(err)))")
    }
}

/// execve with Swift arrays of strings.
private func execv(_ path: String, _ args: [String], _ env: [String]) {
    let cArgs = args.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    _ = execve(path, cArgs, cEnv)
    let saved = sw_errno()
    cArgs.forEach { free($0) }
    cEnv.forEach { free($0) }
    sw_set_errno(saved)
}
