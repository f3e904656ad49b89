// AF_INET and AF_INET6: the entries of the family registry
// (kernel/net/Families.cpp). Both are InetSocket over a host socket.
#pragma once

#include "kernel/net/Families.h"

namespace lx {

SocketFamily inet_family();
SocketFamily inet6_family();

}  // namespace lx
