// sysfs, minimal: what glibc and common tools read. /sys/devices/system/cpu
// (online, possible, present: sysconf(_SC_NPROCESSORS_*)) and an empty
// /sys/fs/cgroup (no cgroup hierarchy is offered).
#pragma once

#include "kernel/vfs/Inode.h"

namespace lx {

// Mount with Vfs::mount_filesystem("/sys", make_sysfs(), true, "sysfs").
InodeRef make_sysfs();

}  // namespace lx
