// Socket syscalls that are not data transfer: socket, socketpair, bind,
// listen, accept/accept4, connect, shutdown, get/setsockopt and the name
// queries. Checks come in Linux's order (net/socket.c): flags, then the fd
// (EBADF, ENOTSOCK), then the guest address, then the family. Families
// (kernel/net/Families.h) do the rest; sendmsg & co are socket_msg.cpp.
#include <array>
#include <cstring>
#include <vector>

#include "kernel/Task.h"
#include "kernel/net/Families.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/net/SocketIo.h"
#include "kernel/syscalls/SocketCalls.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kSockFlags = abi::kSockNonblock | abi::kSockCloexec;
constexpr int kMaxOptionCopy = 256;

// __sys_socket's type split and sock_create's range checks.
struct SocketKind {
  int type;
  int flags;
};
Result<SocketKind> split_type(int domain, int type_arg) {
  const int flags = type_arg & ~abi::kSockTypeMask;
  if (flags & ~kSockFlags) return err(EINVAL);
  const int type = type_arg & abi::kSockTypeMask;
  if (domain < 0 || domain >= abi::kAfMax) return err(EAFNOSUPPORT);
  if (type >= abi::kSockMax) return err(EINVAL);
  return SocketKind{type, flags};
}

void init_new_socket(Task& t, Socket& s, int flags) {
  s.set_owner(t.tg().fsuid, t.tg().fsgid);
  s.set_status_flags(abi::kORdwr | (flags & abi::kSockNonblock));
}

Result<long> sys_socket(Task& t, const SyscallArgs& a) {
  const int domain = arg_int(a[0]);
  const SocketKind k = TRY(split_type(domain, arg_int(a[1])));
  const SocketFamily* fam = socket_family(domain);
  if (!fam) return err(EAFNOSUPPORT);
  SocketRef s = TRY(fam->create(t, k.type, arg_int(a[2])));
  init_new_socket(t, *s, k.flags);
  return TRY(t.fds().install(std::move(s), (k.flags & abi::kSockCloexec) != 0));
}

Result<long> sys_socketpair(Task& t, const SyscallArgs& a) {
  const int domain = arg_int(a[0]);
  const SocketKind k = TRY(split_type(domain, arg_int(a[1])));
  const SocketFamily* fam = socket_family(domain);
  if (!fam) return err(EAFNOSUPPORT);
  if (!fam->pair) {
    // The family exists but pairs are unsupported: its create hook still
    // rejects bad types/protocols first, as sock_create runs before ->socketpair.
    TRY(fam->create(t, k.type, arg_int(a[2])));
    return err(EOPNOTSUPP);
  }
  auto [s1, s2] = TRY(fam->pair(t, k.type, arg_int(a[2])));
  init_new_socket(t, *s1, k.flags);
  init_new_socket(t, *s2, k.flags);
  const bool cloexec = (k.flags & abi::kSockCloexec) != 0;
  const int fd1 = TRY(t.fds().install(std::move(s1), cloexec));
  Result<int> fd2 = t.fds().install(std::move(s2), cloexec);
  if (!fd2.ok()) {
    (void)t.fds().close(fd1);
    return err(fd2.error());
  }
  const std::array<int, 2> out{fd1, fd2.value()};
  if (!t.mem().write(UserPtr<std::array<int, 2>>{a[3]}, out).ok()) {
    (void)t.fds().close(fd1);
    (void)t.fds().close(fd2.value());
    return err(EFAULT);
  }
  return 0;
}

Result<long> sys_bind(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const SockAddr addr = TRY(read_sockaddr(t, a[1], arg_int(a[2])));
  TRY(h.sock->bind(t, addr));
  return 0;
}

Result<long> sys_listen(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  int backlog = arg_int(a[1]);
  // Compared as unsigned: a negative backlog means the maximum.
  if (static_cast<unsigned>(backlog) > static_cast<unsigned>(abi::kSomaxconn)) backlog = abi::kSomaxconn;
  TRY(h.sock->listen(t, backlog));
  return 0;
}

Result<long> do_accept4(Task& t, int fd, uint64_t addr, uint64_t len_addr, int flags) {
  OpenFileRef f = TRY(t.fds().get(fd));
  if (flags & ~kSockFlags) return err(EINVAL);
  TRY(t.fds().check_free_slot());
  Socket* s = as_socket(*f);
  if (!s) return err(ENOTSOCK);
  SocketRef conn = TRY(accept_waiting(t, *s));
  init_new_socket(t, *conn, flags);
  if (addr) {
    // A fault here loses the connection, as on Linux (the new file is released).
    const SockAddr peer = TRY(conn->getpeername());
    TRY(write_sockaddr(t, peer, addr, len_addr));
  }
  return TRY(t.fds().install(std::move(conn), (flags & abi::kSockCloexec) != 0));
}

Result<long> sys_accept(Task& t, const SyscallArgs& a) { return do_accept4(t, arg_int(a[0]), a[1], a[2], 0); }

Result<long> sys_accept4(Task& t, const SyscallArgs& a) {
  return do_accept4(t, arg_int(a[0]), a[1], a[2], arg_int(a[3]));
}

Result<long> sys_connect(Task& t, const SyscallArgs& a) {
  OpenFileRef f = TRY(t.fds().get(arg_int(a[0])));
  const SockAddr addr = TRY(read_sockaddr(t, a[1], arg_int(a[2])));
  Socket* s = as_socket(*f);
  if (!s) return err(ENOTSOCK);
  TRY(s->connect(t, addr, (s->status_flags() & abi::kONonblock) != 0));
  return 0;
}

Result<long> sys_shutdown(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const int how = arg_int(a[1]);
  if (how < abi::kShutRd || how > abi::kShutRdwr) return err(EINVAL);
  TRY(h.sock->shutdown(t, how));
  return 0;
}

Result<long> sys_getsockname(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const SockAddr name = TRY(h.sock->getsockname());
  TRY(write_sockaddr(t, name, a[1], a[2]));
  return 0;
}

Result<long> sys_getpeername(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const SockAddr name = TRY(h.sock->getpeername());
  TRY(write_sockaddr(t, name, a[1], a[2]));
  return 0;
}

Result<long> sys_getsockopt(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  int len = TRY(t.mem().read(UserPtr<int>{a[4]}));
  if (len < 0) return err(EINVAL);
  std::vector<uint8_t> val = TRY(h.sock->getsockopt(t, arg_int(a[1]), arg_int(a[2])));
  // Linux copies at most the guest's length and reports what it copied.
  len = std::min(len, static_cast<int>(val.size()));
  TRY(t.mem().copy_out(a[3], val.data(), static_cast<uint64_t>(len)));
  TRY(t.mem().write(UserPtr<int>{a[4]}, len));
  return 0;
}

Result<long> sys_setsockopt(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const int len = arg_int(a[4]);
  if (len < 0) return err(EINVAL);
  // Linux reads only the option's own size, so a long optlen over a short
  // buffer works there: copy no more than the largest option any family
  // reads (families still see whether the guest gave enough).
  std::vector<uint8_t> val(std::min(len, kMaxOptionCopy));
  TRY(t.mem().copy_in(a[3], val.data(), val.size()));
  TRY(h.sock->setsockopt(t, arg_int(a[1]), arg_int(a[2]), val));
  return 0;
}

}  // namespace

void register_socket(SyscallTable& t) {
  using A = Arg;
  t.add(41, "socket", Support::Partial, sys_socket, {A::Int, A::Hex, A::Int},
        "AF_UNIX, AF_INET, AF_INET6 (inet over host sockets), AF_NETLINK NETLINK_ROUTE queries only; other families EAFNOSUPPORT");
  t.add(53, "socketpair", Support::Partial, sys_socketpair, {A::Int, A::Hex, A::Int, A::Ptr}, "AF_UNIX only (inet: EOPNOTSUPP as on Linux)");
  t.add(49, "bind", Support::Full, sys_bind, {A::Fd, A::Ptr, A::Int});
  t.add(50, "listen", Support::Full, sys_listen, {A::Fd, A::Int});
  t.add(43, "accept", Support::Full, sys_accept, {A::Fd, A::Ptr, A::Ptr});
  t.add(288, "accept4", Support::Full, sys_accept4, {A::Fd, A::Ptr, A::Ptr, A::Hex});
  t.add(42, "connect", Support::Full, sys_connect, {A::Fd, A::Ptr, A::Int});
  t.add(48, "shutdown", Support::Full, sys_shutdown, {A::Fd, A::Int});
  t.add(51, "getsockname", Support::Full, sys_getsockname, {A::Fd, A::Ptr, A::Ptr});
  t.add(52, "getpeername", Support::Full, sys_getpeername, {A::Fd, A::Ptr, A::Ptr});
  t.add(55, "getsockopt", Support::Partial, sys_getsockopt, {A::Fd, A::Int, A::Int, A::Ptr, A::Ptr},
        "SOL_SOCKET: type/domain/protocol/error/buffers/passcred/peercred/timeouts; others stored or ENOPROTOOPT");
  t.add(54, "setsockopt", Support::Partial, sys_setsockopt, {A::Fd, A::Int, A::Int, A::Ptr, A::Int},
        "SO_SNDBUF/SO_RCVBUF are recorded but do not size unix queues; flag options accepted without effect");
  register_socket_msg(t);
}

}  // namespace lx
