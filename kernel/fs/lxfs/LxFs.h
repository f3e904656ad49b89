// lxfs: a read-write guest filesystem over a host directory, owned by the
// host user, where each file's guest owner, group, mode (type and set-id
// bits included) and device number live in one host xattr (LxMeta.h), so
// guest root can chown, chmod, mknod and install setuid programs. See
// README.md for the on-disk layout, the crash-safety argument and limits.
#pragma once

#include <string>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

// The root inode of an lxfs over host_dir (a directory the provider may
// write). Creates its staging directory (".lxcore") there and empties it:
// whatever a crash left in it was never visible to the guest.
Result<InodeRef> make_lxfs_root(const std::string& host_dir);

}  // namespace lx
