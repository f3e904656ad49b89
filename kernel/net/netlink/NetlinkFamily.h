// AF_NETLINK: the entry of the family registry (kernel/net/Families.cpp).
// Only NETLINK_ROUTE, and only its queries (RTM_GET*), which a host
// NETLINK_ROUTE socket answers from the host's interfaces, addresses and
// routes: enough for glibc's getifaddrs and if_nameindex, `ip addr`,
// `hostname -I`.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/net/Families.h"

namespace lx {

SocketFamily netlink_family();

// Whether a guest's netlink datagram is only queries (every message an
// RTM_GET* request); EPERM otherwise, as an unprivileged sender on Linux
// gets for changes. `to`: the destination, which must be the kernel.
Result<void> netlink_route_query_only(std::span<const uint8_t> msg, const SockAddr* to);

}  // namespace lx
