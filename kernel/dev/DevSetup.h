// /dev of a new instance: registers the kernel's character devices with the
// Vfs and mounts a tmpfs on /dev holding their nodes, the /proc/self/fd
// symlinks, shm/ (for the /dev/shm mount that follows) and pts/, with devpts
// mounted on /dev/pts. Call before any other mount below /dev.
#pragma once

#include "kernel/base/Result.h"
#include "kernel/tty/TtyDevices.h"

namespace lx {

class Vfs;

// ENOENT when the root has no /dev directory to mount on (the devices are
// registered anyway, so device nodes elsewhere still open). host_tty: see
// TtyDevices.h.
Result<void> setup_dev(Vfs& vfs, HostTtyOpener host_tty = {});

}  // namespace lx
