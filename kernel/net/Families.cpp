#include "kernel/net/Families.h"

#include "kernel/net/SocketAbi.h"
#include "kernel/net/inet/InetFamily.h"
#include "kernel/net/netlink/NetlinkFamily.h"
#include "kernel/net/unix/UnixFamily.h"

namespace lx {

const SocketFamily* socket_family(int domain) {
  static const SocketFamily kUnix = unix_family();
  static const SocketFamily kInet = inet_family();
  static const SocketFamily kInet6 = inet6_family();
  static const SocketFamily kNetlink = netlink_family();
  switch (domain) {
    case abi::kAfUnix: return &kUnix;
    case abi::kAfInet: return &kInet;
    case abi::kAfInet6: return &kInet6;
    case abi::kAfNetlink: return &kNetlink;
    default: return nullptr;
  }
}

}  // namespace lx
