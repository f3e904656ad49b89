// Network-device ioctls (SIOCGIF*, SIOCGIFCONF, the SIOCSIF* setters): on
// Linux any socket answers them, whatever its family (glibc's
// if_nametoindex asks an AF_UNIX socket), so every family's ioctl passes
// them here first.
#pragma once

#include <cstdint>

#include "kernel/base/Result.h"

namespace lx {

class Task;

bool is_netdev_ioctl(unsigned cmd);
// The queries read the host's interfaces, which the instance shares; the
// setters would change the host and are EPERM as for an unprivileged user.
Result<long> netdev_ioctl(Task& task, unsigned cmd, uint64_t arg);

}  // namespace lx
