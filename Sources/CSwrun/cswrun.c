#define _GNU_SOURCE
#include "cswrun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int sw_errno(void) { return errno; }
void sw_set_errno(int value) { errno = value; }

const uint64_t SW_RESOLVE_IN_ROOT = RESOLVE_IN_ROOT;
const uint64_t SW_RESOLVE_NO_SYMLINKS = RESOLVE_NO_SYMLINKS;
const uint64_t SW_RESOLVE_NO_XDEV = RESOLVE_NO_XDEV;
const uint64_t SW_RESOLVE_BENEATH = RESOLVE_BENEATH;
const uint64_t SW_RESOLVE_NO_MAGICLINKS = RESOLVE_NO_MAGICLINKS;

int sw_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.mode = mode;
    how.resolve = resolve;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

const uint64_t SW_CLONE_NEWNS = CLONE_NEWNS, SW_CLONE_NEWPID = CLONE_NEWPID,
    SW_CLONE_NEWUTS = CLONE_NEWUTS, SW_CLONE_NEWIPC = CLONE_NEWIPC,
    SW_CLONE_NEWNET = CLONE_NEWNET, SW_CLONE_NEWCGROUP = CLONE_NEWCGROUP,
    SW_CLONE_NEWUSER = CLONE_NEWUSER, SW_CLONE_INTO_CGROUP = CLONE_INTO_CGROUP,
    SW_CLONE_PIDFD = CLONE_PIDFD, SW_CLONE_PARENT = CLONE_PARENT;

pid_t sw_clone3(uint64_t flags, int cgroup_fd, int *pidfd_out) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    // With CLONE_PARENT the kernel requires 0 and gives the child this process's own
    // exit signal (SIGCHLD, to the shared parent).
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    int pidfd = -1;
    if (pidfd_out) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid > 0 && pidfd_out) *pidfd_out = pidfd;
    return pid;
}

int sw_unshare(int flags) { return unshare(flags); }
int sw_setns(int fd, int nstype) { return setns(fd, nstype); }
int sw_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int sw_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }
int sw_pivot_root(const char *new_root, const char *put_old) { return (int)syscall(SYS_pivot_root, new_root, put_old); }
int sw_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}
const unsigned int SW_CLOSE_RANGE_CLOEXEC = CLOSE_RANGE_CLOEXEC;

int sw_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(option, a2, a3, a4, a5);
}
int sw_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int sw_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int sw_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int sw_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, on, 0, 0, 0); }
int sw_capbset_drop(int cap) { return prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); }
int sw_ambient_clear_all(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }

int sw_cap_last_cap(void) {
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CAP_LAST_CAP;
    char buf[16] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return CAP_LAST_CAP;
    int value = 0;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) value = value * 10 + (buf[i] - '0');
    return value;
}

int sw_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) {
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    data[0].effective = (uint32_t)effective;
    data[1].effective = (uint32_t)(effective >> 32);
    data[0].permitted = (uint32_t)permitted;
    data[1].permitted = (uint32_t)(permitted >> 32);
    data[0].inheritable = (uint32_t)inheritable;
    data[1].inheritable = (uint32_t)(inheritable >> 32);
    return (int)syscall(SYS_capset, &header, data);
}

int sw_seccomp_load(const void *filter, size_t byte_count) {
    struct sock_fprog prog = {
        .len = (unsigned short)(byte_count / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)filter,
    };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int sw_fsopen(const char *fsname, unsigned int flags) { return (int)syscall(SYS_fsopen, fsname, flags); }
int sw_fsconfig_string(int fsfd, const char *key, const char *value) {
    return (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, value, 0);
}
int sw_fsconfig_flag(int fsfd, const char *key) {
    return (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, key, NULL, 0);
}
int sw_fsconfig_create(int fsfd) { return (int)syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0); }
int sw_fsmount(int fsfd, unsigned int flags, unsigned int attr_flags) {
    return (int)syscall(SYS_fsmount, fsfd, flags, attr_flags);
}
int sw_move_mount_to(int from_fd, const char *to_path) {
    return (int)syscall(SYS_move_mount, from_fd, "", AT_FDCWD, to_path, MOVE_MOUNT_F_EMPTY_PATH);
}

int sw_open_tree_clone(const char *path, int recursive) {
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    return (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
}
int sw_mount_setattr_rdonly(int fd, int recursive) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_RDONLY;
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr);
}
int sw_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
    return setrlimit(resource, &rl);
}
int sw_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
    struct rlimit rl;
    if (getrlimit(resource, &rl) < 0) return -1;
    *soft = rl.rlim_cur;
    *hard = rl.rlim_max;
    return 0;
}

dev_t sw_makedev(unsigned int maj, unsigned int min) { return makedev(maj, min); }
unsigned int sw_major(dev_t dev) { return major(dev); }
unsigned int sw_minor(dev_t dev) { return minor(dev); }
int sw_wifexited(int status) { return WIFEXITED(status); }
int sw_wexitstatus(int status) { return WEXITSTATUS(status); }
int sw_wifsignaled(int status) { return WIFSIGNALED(status); }
int sw_wtermsig(int status) { return WTERMSIG(status); }

int sw_set_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int sw_get_winsize(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}
int sw_set_winsize(int fd, unsigned short rows, unsigned short cols) {
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    return ioctl(fd, TIOCSWINSZ, &ws);
}
int sw_set_ctty(int fd) { return ioctl(fd, TIOCSCTTY, 0); }

int sw_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int sw_getrandom(void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom((char *)buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

int sw_signalfd(uint64_t mask) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig = 1; sig < 64; sig++)
        if (mask & (1ULL << sig)) sigaddset(&set, sig);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int sw_signalfd_next(int fd) {
    struct signalfd_siginfo info;
    if (read(fd, &info, sizeof info) != sizeof info) return -1;
    return (int)info.ssi_signo;
}

ssize_t sw_send_with_fd(int sock, const void *data, size_t len, int fd) {
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

ssize_t sw_recv_with_fd(int sock, void *buf, size_t cap, int *fd) {
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
    *fd = -1;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
    return n;
}

extern char **environ;
int sw_execveat_empty(int fd, char *const argv[]) {
    return (int)syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

int sw_setresuid(uid_t r, uid_t e, uid_t s) { return (int)syscall(SYS_setresuid, r, e, s); }
int sw_setresgid(gid_t r, gid_t e, gid_t s) { return (int)syscall(SYS_setresgid, r, e, s); }

int sw_unix_connect(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int rc;
    do {
        rc = connect(fd, (struct sockaddr *)&addr, sizeof addr);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int sw_open_pty(int *master, int *replica) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) goto fail;
    int r = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (r < 0) goto fail;
    *master = m;
    *replica = r;
    return 0;
fail:;
    int saved = errno;
    close(m);
    errno = saved;
    return -1;
}

size_t sw_termios_size(void) { return sizeof(struct termios); }
int sw_tty_make_raw(int fd, void *saved) {
    struct termios t;
    if (tcgetattr(fd, &t) < 0) return -1;
    memcpy(saved, &t, sizeof t);
    cfmakeraw(&t);
    return tcsetattr(fd, TCSADRAIN, &t);
}
int sw_tty_restore(int fd, const void *saved) { return tcsetattr(fd, TCSADRAIN, (const struct termios *)saved); }

pid_t sw_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int nfds, int new_session) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    // Move sources above the target range first so dup2 chains cannot clobber each other.
    int base = 1000;
    for (int i = 0; i < nfds; i++)
        if (fds[i] >= 0) posix_spawn_file_actions_adddup2(&actions, fds[i], base + i);
    for (int i = 0; i < nfds; i++) {
        if (fds[i] >= 0) posix_spawn_file_actions_adddup2(&actions, base + i, i);
        else posix_spawn_file_actions_addclose(&actions, i);
    }
    posix_spawn_file_actions_addclosefrom_np(&actions, nfds);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &all);
    if (new_session) flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr, flags);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

// The linker's bounds of the executable's text. Only the read-only, never written
// text is released: MADV_DONTNEED on a written private page would lose the write.
extern char __executable_start[];
extern char etext[];
extern char edata[];

// Unmaps the pages of [start, end) that are still the file's own: pagemap bit 61
// ("file page") set. Pages the process wrote to (copied on write: anonymous) stay.
static void release_clean_file_pages(int pagemap, uintptr_t start, uintptr_t end, uintptr_t page) {
    uint64_t entries[512];
    for (uintptr_t at = start; at < end;) {
        size_t count = (end - at) / page;
        if (count > 512) count = 512;
        ssize_t got = pread(pagemap, entries, count * sizeof(uint64_t), (off_t)(at / page * sizeof(uint64_t)));
        if (got <= 0) return;
        count = (size_t)got / sizeof(uint64_t);
        uintptr_t run = 0;
        for (size_t i = 0; i <= count; i++) {
            int clean = i < count && (entries[i] >> 63 & 1) && (entries[i] >> 61 & 1);
            uintptr_t address = at + i * page;
            if (clean && !run) run = address;
            if (!clean && run) {
                madvise((void *)run, address - run, MADV_DONTNEED);
                run = 0;
            }
        }
        at += count * page;
    }
}

int sw_release_program_text(void) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)__executable_start & ~(page - 1);
    uintptr_t end = (uintptr_t)etext & ~(page - 1);
    if (end <= start) return 0;
    int rc = madvise((void *)start, end - start, MADV_DONTNEED);
    // The read-only and the writable segments after the text: of the writable one
    // only the pages never written (still the file's) go; they fault back as read.
    uintptr_t data_end = ((uintptr_t)edata + page - 1) & ~(page - 1);
    int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap >= 0) {
        release_clean_file_pages(pagemap, end, data_end, page);
        close(pagemap);
    }
    return rc;
}

int sw_mark_topdir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    int flags = 0;
    int rc = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    if (rc == 0 && !(flags & FS_TOPDIR_FL)) {
        flags |= FS_TOPDIR_FL;
        rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    close(fd);
    return rc;
}
