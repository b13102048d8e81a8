// Helpers for layer extraction (SwrunLayer): what the Swift Glibc module leaves out
// (the xattr calls of <sys/xattr.h>, and O_PATH, which needs _GNU_SOURCE).
#ifndef CSWRUN_LAYER_H
#define CSWRUN_LAYER_H

#include <stddef.h>

// fsetxattr(2), lsetxattr(2) and setxattr(2); -1 + errno on failure.
int sw_fsetxattr(int fd, const char *name, const void *value, size_t size);
int sw_lsetxattr(const char *path, const char *name, const void *value, size_t size);
int sw_setxattr(const char *path, const char *name, const void *value, size_t size);
// lgetxattr(2) and fgetxattr(2): the value's size, or -1 + errno.
long sw_lgetxattr(const char *path, const char *name, void *value, size_t size);
long sw_fgetxattr(int fd, const char *name, void *value, size_t size);
// llistxattr(2): the size of the NUL-separated name list, or -1 + errno.
long sw_llistxattr(const char *path, char *list, size_t size);

extern const int SW_O_PATH;

#endif
