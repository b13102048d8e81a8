// bpf(2) for the cgroup v2 device controller: raw system calls only; the program
// itself is built in Swift (SwrunCgroups).
#ifndef CSWRUN_CGROUP_H
#define CSWRUN_CGROUP_H

#include <stdint.h>

// BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program: insns is an array of
// insn_count struct bpf_insn (8 bytes each). Returns the program fd, or -1 + errno;
// the verifier's log goes to log_buf when log_size > 0.
int sw_bpf_load_cgroup_device_prog(const void *insns, uint32_t insn_count, char *log_buf, uint32_t log_size);
// BPF_PROG_ATTACH of prog_fd to the cgroup directory cgroup_fd as BPF_CGROUP_DEVICE,
// with BPF_F_ALLOW_MULTI (so nested cgroups can add their own programs).
int sw_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd);
// BPF_PROG_DETACH of prog_fd from cgroup_fd's BPF_CGROUP_DEVICE programs.
int sw_bpf_detach_cgroup_device(int cgroup_fd, int prog_fd);
// BPF_PROG_QUERY: ids of the BPF_CGROUP_DEVICE programs attached to cgroup_fd itself.
// *count is the capacity of ids on entry and the number attached on return.
int sw_bpf_query_cgroup_device(int cgroup_fd, uint32_t *ids, uint32_t *count);
// BPF_PROG_GET_FD_BY_ID: an fd for a loaded program, or -1 + errno.
int sw_bpf_prog_fd_by_id(uint32_t id);

#endif
