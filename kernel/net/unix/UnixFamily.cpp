#include "kernel/net/unix/UnixFamily.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/net/unix/UnixSocket.h"

namespace lx {

namespace {

// unix_create: protocol 0 or PF_UNIX; SOCK_RAW quietly means SOCK_DGRAM.
Result<int> check(int type, int protocol) {
  if (protocol != 0 && protocol != abi::kAfUnix) return err(EPROTONOSUPPORT);
  switch (type) {
    case abi::kSockStream:
    case abi::kSockDgram:
    case abi::kSockSeqpacket: return type;
    case abi::kSockRaw: return abi::kSockDgram;
    default: return err(ESOCKTNOSUPPORT);
  }
}

Result<SocketRef> create(Task& t, int type, int protocol) {
  const int ty = TRY(check(type, protocol));
  return SocketRef(std::make_shared<UnixSocket>(t.kernel().unix_names(), ty));
}

Result<std::pair<SocketRef, SocketRef>> pair(Task& t, int type, int protocol) {
  const int ty = TRY(check(type, protocol));
  auto a = std::make_shared<UnixSocket>(t.kernel().unix_names(), ty);
  auto b = std::make_shared<UnixSocket>(t.kernel().unix_names(), ty);
  UnixSocket::pair(a, b, abi::Ucred{t.tg().pid(), t.tg().euid, t.tg().egid});
  return std::pair<SocketRef, SocketRef>{a, b};
}

}  // namespace

SocketFamily unix_family() { return SocketFamily{create, pair}; }

}  // namespace lx
