// The address-family registry: socket(2) and socketpair(2) dispatch on the
// domain to one entry here. A family validates type and protocol itself
// (EPROTONOSUPPORT, ESOCKTNOSUPPORT, EPROTOTYPE as Linux's create hooks do).
#pragma once

#include <utility>

#include "kernel/base/Result.h"
#include "kernel/net/Socket.h"

namespace lx {

class Task;

struct SocketFamily {
  // type is already masked (no SOCK_NONBLOCK/CLOEXEC) and below SOCK_MAX.
  Result<SocketRef> (*create)(Task& t, int type, int protocol) = nullptr;
  // Null: socketpair is EOPNOTSUPP for the family.
  Result<std::pair<SocketRef, SocketRef>> (*pair)(Task& t, int type, int protocol) = nullptr;
};

// The family for a domain, or null (EAFNOSUPPORT). Families are listed in
// Families.cpp (one line each: kernel/net/unix, and inet when it lands).
const SocketFamily* socket_family(int domain);

}  // namespace lx
