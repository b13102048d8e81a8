// Raw system calls and glibc macros Swift cannot reach on its own. Nothing else:
// all logic lives in Swift.
#ifndef CSWRUN_H
#define CSWRUN_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>

int sw_errno(void);
void sw_set_errno(int value);

// openat2(2) with RESOLVE_* flags (0 when unused); -1 + errno on failure.
int sw_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);
extern const uint64_t SW_RESOLVE_IN_ROOT;
extern const uint64_t SW_RESOLVE_NO_SYMLINKS;
extern const uint64_t SW_RESOLVE_NO_XDEV;
extern const uint64_t SW_RESOLVE_BENEATH;
extern const uint64_t SW_RESOLVE_NO_MAGICLINKS;

// Namespaces and process creation.
extern const uint64_t SW_CLONE_NEWNS, SW_CLONE_NEWPID, SW_CLONE_NEWUTS, SW_CLONE_NEWIPC,
    SW_CLONE_NEWNET, SW_CLONE_NEWCGROUP, SW_CLONE_NEWUSER, SW_CLONE_INTO_CGROUP,
    SW_CLONE_PIDFD, SW_CLONE_PARENT;
// clone3 without a new stack: returns twice like fork (0 in the child). Only safe in a
// single-threaded process. cgroup_fd < 0 means no CLONE_INTO_CGROUP. If pidfd_out is
// non-NULL, CLONE_PIDFD is requested and the pidfd stored there.
pid_t sw_clone3(uint64_t flags, int cgroup_fd, int *pidfd_out);
int sw_unshare(int flags);
int sw_setns(int fd, int nstype);
int sw_pidfd_open(pid_t pid, unsigned int flags);
int sw_pidfd_send_signal(int pidfd, int sig);
int sw_pivot_root(const char *new_root, const char *put_old);
int sw_close_range(unsigned int first, unsigned int last, unsigned int flags);
extern const unsigned int SW_CLOSE_RANGE_CLOEXEC;

// prctl(2), which is variadic in glibc.
int sw_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
int sw_set_child_subreaper(void);
int sw_set_pdeathsig(int sig);
int sw_set_no_new_privs(void);
int sw_set_keepcaps(int on);
int sw_capbset_drop(int cap);
int sw_ambient_clear_all(void);
int sw_cap_last_cap(void);
// capset(2) v3 with 64-bit masks.
int sw_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
// Loads a raw BPF program (an array of struct sock_filter, 8 bytes each).
int sw_seccomp_load(const void *filter, size_t byte_count);

// The new mount API (fsopen/fsconfig/fsmount/move_mount).
int sw_fsopen(const char *fsname, unsigned int flags);
int sw_fsconfig_string(int fsfd, const char *key, const char *value);
int sw_fsconfig_flag(int fsfd, const char *key);
int sw_fsconfig_create(int fsfd);
int sw_fsmount(int fsfd, unsigned int flags, unsigned int attr_flags);
int sw_move_mount_to(int from_fd, const char *to_path);
// open_tree(OPEN_TREE_CLONE [| AT_RECURSIVE]): a detached copy of the mount at path.
int sw_open_tree_clone(const char *path, int recursive);
// mount_setattr(MOUNT_ATTR_RDONLY) on a detached tree fd.
int sw_mount_setattr_rdonly(int fd, int recursive);
int sw_setrlimit(int resource, uint64_t soft, uint64_t hard);
int sw_getrlimit(int resource, uint64_t *soft, uint64_t *hard);

// Devices and wait status macros.
dev_t sw_makedev(unsigned int major, unsigned int minor);
unsigned int sw_major(dev_t dev);
unsigned int sw_minor(dev_t dev);
int sw_wifexited(int status);
int sw_wexitstatus(int status);
int sw_wifsignaled(int status);
int sw_wtermsig(int status);

// Terminal and network ioctls.
int sw_set_loopback_up(void);
int sw_get_winsize(int fd, unsigned short *rows, unsigned short *cols);
int sw_set_winsize(int fd, unsigned short rows, unsigned short cols);
int sw_set_ctty(int fd);

// Unmaps this process's resident program text and read-only data, and the pages of
// its writable data it never wrote (all stay in the page cache and fault back where
// used), so a long-lived process keeps only what it still runs.
int sw_release_program_text(void);

// Marks `path` a top of directory hierarchies (FS_TOPDIR_FL, ext2/3/4): its new
// subdirectories are spread over block groups. Returns 0 when already set or set,
// -1 where the file system has no such flag.
int sw_mark_topdir(const char *path);

// pipe2(O_CLOEXEC).
int sw_pipe_cloexec(int fds[2]);
// getrandom(2), filling all of buf.
int sw_getrandom(void *buf, size_t len);
// A non-blocking, close-on-exec signalfd for the signals in `mask` (bit N = signal N).
int sw_signalfd(uint64_t mask);
// The next signal number read from a signalfd, or -1 when none is pending.
int sw_signalfd_next(int fd);

// SCM_RIGHTS: send `len` bytes with one fd attached; receive up to `cap` bytes and
// the attached fd (stored in *fd, -1 when none). Return bytes sent/received.
ssize_t sw_send_with_fd(int sock, const void *data, size_t len, int fd);
ssize_t sw_recv_with_fd(int sock, void *buf, size_t cap, int *fd);
// Opens a new pty pair from the devpts instance mounted at /dev/pts: the master via
// /dev/ptmx, the replica via TIOCGPTPEER (no path lookup).
/// execveat(fd, "", argv, environ, AT_EMPTY_PATH): runs the file `fd` was opened on.
int sw_execveat_empty(int fd, char *const argv[]);
/// setresuid/setresgid as raw system calls: for this thread alone, with no glibc
/// broadcast to other threads (swrun-init has none).
int sw_setresuid(uid_t r, uid_t e, uid_t s);
int sw_setresgid(gid_t r, gid_t e, gid_t s);
/// Connects a stream socket to the unix socket at `path` (CLOEXEC); -1 and errno on failure.
int sw_unix_connect(const char *path);
int sw_open_pty(int *master, int *replica);
// Raw mode for a terminal; `saved` receives the old settings (sw_termios_size bytes).
size_t sw_termios_size(void);
int sw_tty_make_raw(int fd, void *saved);
int sw_tty_restore(int fd, const void *saved);

// posix_spawn with an explicit fd layout: child fd i = fds[i] for i < nfds (-1 closes
// it); every other fd is closed. Safe from a multithreaded process.
pid_t sw_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int nfds, int new_session);

#endif
