#include "kernel/net/Families.h"

#include "kernel/net/SocketAbi.h"
#include "kernel/net/unix/UnixFamily.h"

namespace lx {

const SocketFamily* socket_family(int domain) {
  static const SocketFamily kUnix = unix_family();
  switch (domain) {
    case abi::kAfUnix: return &kUnix;
    default: return nullptr;
  }
}

}  // namespace lx
