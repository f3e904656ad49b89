// tmpfs: a filesystem in provider memory that vanishes with the instance.
// Regular files (sparse page storage), directories with getdents64 offsets
// that stay valid across calls and concurrent changes, symlinks, FIFO and
// socket inodes (no I/O yet), hard links, xattrs (user.* and trusted.*),
// Linux timestamps, and a size limit (ENOSPC).
#pragma once

#include <cstdint>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

struct TmpfsOptions {
  uint64_t size_bytes = 0;   // 0: half of the host's RAM, as Linux's default
  uint64_t max_inodes = 0;   // 0: as many as there are pages in half the RAM
  unsigned root_mode = 01777;
  Credentials owner;         // of the root directory
};

constexpr int64_t kTmpfsMagic = 0x01021994;

// A new tmpfs instance; the returned root keeps it alive.
InodeRef make_tmpfs(const TmpfsOptions& opts);

}  // namespace lx
