#include "kernel/net/unix/UnixFamily.h"

namespace lx {

namespace {

Result<SocketRef> create(Task& t, int type, int protocol) {
  (void)t; (void)type; (void)protocol;
  return err(EAFNOSUPPORT);
}

}  // namespace

SocketFamily unix_family() { return SocketFamily{create, nullptr}; }

}  // namespace lx
