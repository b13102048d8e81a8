#define _GNU_SOURCE
#include "cswrun_layer.h"

#include <fcntl.h>
#include <sys/xattr.h>

const int SW_O_PATH = O_PATH;

int sw_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

int sw_lsetxattr(const char *path, const char *name, const void *value, size_t size) {
    return lsetxattr(path, name, value, size, 0);
}

int sw_setxattr(const char *path, const char *name, const void *value, size_t size) {
    return setxattr(path, name, value, size, 0);
}

long sw_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return (long)lgetxattr(path, name, value, size);
}

long sw_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return (long)fgetxattr(fd, name, value, size);
}

long sw_llistxattr(const char *path, char *list, size_t size) {
    return (long)llistxattr(path, list, size);
}
