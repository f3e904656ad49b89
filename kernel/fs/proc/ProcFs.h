// procfs: the guest's /proc, generated from the instance's own kernel state
// (only the instance's processes exist here, with their virtual pids).
#pragma once

#include "kernel/vfs/Inode.h"

namespace lx {

// The root of a new procfs; mount it with
// Vfs::mount_filesystem("/proc", make_procfs(), false, "proc").
InodeRef make_procfs();

}  // namespace lx
