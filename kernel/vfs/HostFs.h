// hostfs: a host directory shown to the guest. Every inode holds an O_PATH
// fd; every operation is a host *at() call relative to such an fd with a
// single component (or an openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS run),
// never a host path built from guest input, so nothing outside the host
// directory can be named. Metadata and permissions are the host's.
#pragma once

#include <sys/stat.h>

#include <string>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

// The root inode of a hostfs over host_dir (which must be a directory).
Result<InodeRef> make_hostfs_root(const std::string& host_dir);

// A hostfs inode for a host fd (O_PATH or not; ownership passes to it), for
// filesystems layered on hostfs (lxfs) that create files themselves.
Result<InodeRef> make_hostfs_inode(int host_fd);
// The same for a caller that has just fstat'ed host_fd (no second fstat).
Result<InodeRef> make_hostfs_inode(int host_fd, const struct stat& st);
// The same for a file the caller has just created with type `type`: no
// fstat; its identity (st_dev, st_ino) is asked of the host only if compared.
InodeRef make_hostfs_inode_created(int host_fd, unsigned type);

// The host fd behind a hostfs inode, or -1 for other filesystems.
int hostfs_fd(const Inode& inode);

// A lookup result keeps its host fstat for one stat(); an inode that will
// outlive the operation (the directory cache) must ask the host again.
void hostfs_forget_lookup_stat(Inode& inode);

}  // namespace lx
