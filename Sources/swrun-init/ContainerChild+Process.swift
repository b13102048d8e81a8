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
        try check(chdir(config.cwd), "chdir \(config.cwd)")

        // Only what this process may still hold: a privileged container on a host whose
        // bounding set lacks a capability gets the rest, as docker does.
        let last = sw_cap_last_cap()
        var capabilities: UInt64 = 0
        for cap in 0...last {
            let bit = UInt64(1) << UInt64(cap)
            let held = sw_prctl(23 /* PR_CAPBSET_READ */, UInt(cap), 0, 0, 0) == 1
            if held && config.capabilities & bit != 0 {
                capabilities |= bit
            } else if held {
                try check(sw_capbset_drop(Int32(cap)), "drop capability \(cap) from the bounding set")
            }
        }
        try markDescriptorsCloseOnExec()
        if !config.seccompFilter.isEmpty && !config.noNewPrivileges {
            try loadSeccomp()
        }
        try check(sw_set_keepcaps(1), "keep capabilities")
        try check(setgroups(user.additionalGids.count, user.additionalGids), "setgroups")
        try check(setgid(user.gid), "setgid \(user.gid)")
        try check(setuid(user.uid), "setuid \(user.uid)")
        try check(sw_set_keepcaps(0), "keep capabilities")
        try check(sw_capset(capabilities, capabilities, 0), "capset")
        try check(sw_ambient_clear_all(), "clear ambient capabilities")
        if config.noNewPrivileges {
            try check(sw_set_no_new_privs(), "no_new_privs")
            if !config.seccompFilter.isEmpty { try loadSeccomp() }
        }
        umask(0o022)
    }

    /// No host fd may reach the command (CVE-2024-21626): close_range(CLOEXEC) from fd
    /// 3 up; before Linux 5.11 each open fd listed in /proc/self/fd is marked instead.
    private func markDescriptorsCloseOnExec() throws {
        if sw_close_range(3, UInt32.max, SW_CLOSE_RANGE_CLOEXEC) == 0 { return }
        guard sw_errno() == ENOSYS || sw_errno() == EINVAL else { throw InitFailure("close_range") }
        let names: [String]
        do { names = try FileIO.directoryNames("/proc/self/fd") } catch { throw InitFailure("list /proc/self/fd") }
        for fd in names.compactMap({ Int32($0) }) where fd >= 3 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { try check(fcntl(fd, F_SETFD, flags | FD_CLOEXEC), "mark fd \(fd) close-on-exec") }
        }
    }

    private func loadSeccomp() throws {
        let rc = config.seccompFilter.withUnsafeBytes { sw_seccomp_load($0.baseAddress, $0.count) }
        try check(rc, "load seccomp filter")
    }

    private func readText(_ path: String) -> String? {
        guard let bytes = try? FileIO.readFile(path) else { return nil }
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
