// Socket calls on descriptors. Sockets themselves come later (issue 7); what
// exists now answers programs that probe whether a descriptor is a socket
// (bash and ssh-like tools call getpeername on stdin).
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

// getpeername/getsockname on a descriptor that is not a socket.
Result<long> sys_sockname(Task& t, const SyscallArgs& a) {
  TRY(t.fds().get(arg_int(a[0])));  // EBADF first
  return err(ENOTSOCK);
}

}  // namespace

void register_socket(SyscallTable& t) {
  using A = Arg;
  constexpr const char* kNote = "no socket objects yet: any valid fd is ENOTSOCK";
  t.add(51, "getsockname", Support::Partial, sys_sockname, {A::Fd, A::Ptr, A::Ptr}, kNote);
  t.add(52, "getpeername", Support::Partial, sys_sockname, {A::Fd, A::Ptr, A::Ptr}, kNote);
}

}  // namespace lx
