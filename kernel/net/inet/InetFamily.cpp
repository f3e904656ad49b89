#include "kernel/net/inet/InetFamily.h"

#include "kernel/Kernel.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/net/inet/InetSocket.h"

namespace lx {

namespace {

template <int Family>
Result<SocketRef> create(Task& t, int type, int protocol) {
  return SocketRef(TRY(InetSocket::create(t.kernel().host(), Family, type, protocol)));
}

}  // namespace

// socketpair(2) is EOPNOTSUPP for inet, as on Linux (no pair hook).
SocketFamily inet_family() { return SocketFamily{create<abi::kAfInet>, nullptr}; }
SocketFamily inet6_family() { return SocketFamily{create<abi::kAfInet6>, nullptr}; }

}  // namespace lx
