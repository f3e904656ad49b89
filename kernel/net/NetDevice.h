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
// The queries read the interfaces of the instance's network (the host's,
// or its own loopback under --net=none) through host_fd, a host socket of
// that network (an inet socket's own), or through a socket made for the
// query when host_fd is -1. The setters would change the host and are EPERM
// as for an unprivileged user.
Result<long> netdev_ioctl(Task& task, unsigned cmd, uint64_t arg, int host_fd = -1);

}  // namespace lx
