// The generic half of the socket syscalls that families never see: guest
// sockaddr copies (move_addr_to_kernel / move_addr_to_user), looking up the
// socket behind an fd, and the blocking loops around a family's
// non-blocking send/recv/accept.
#pragma once

#include <cstdint>
#include <utility>

#include "kernel/base/Result.h"
#include "kernel/net/HostIo.h"
#include "kernel/net/Socket.h"

namespace lx {

class Task;

// fd -> its socket: EBADF if not open, ENOTSOCK if not a socket. The
// OpenFileRef keeps the socket alive for the call.
struct SocketHandle {
  OpenFileRef file;
  Socket* sock;
};
Result<SocketHandle> socket_fd(Task& t, int fd);

// move_addr_to_kernel: EINVAL for a length outside [0, sockaddr_storage],
// EFAULT if unreadable. A zero length gives an empty address.
Result<SockAddr> read_sockaddr(Task& t, uint64_t addr, int64_t len);
// move_addr_to_user: reads the guest's length (EFAULT), EINVAL if negative,
// copies min(its length, ours) bytes, stores our full length.
Result<void> write_sockaddr(Task& t, const SockAddr& a, uint64_t addr, uint64_t len_addr);

// Whether a call with these flags on this socket may sleep.
bool socket_may_block(const Socket& s, int flags);

// Sleeps until the socket's readiness has one of `events` (POLLIN for
// receive/accept, POLLOUT for send). Timing out (SO_RCVTIMEO/SNDTIMEO) is
// EAGAIN; an interruption is kErestartsys without a timeout, EINTR with one
// (sock_intr_errno).
Result<void> wait_socket(Task& t, Socket& s, unsigned events, const Deadline& deadline);

// A whole send as send(2) makes it: a blocking stream send waits until all
// of `data` is gone; bytes sent win over a later error.
// `mode`: whether the transfer may be left to the guest's own host process
// (net/HostIo.h); the result is then kDeferredIo.
Result<uint64_t> send_waiting(Task& t, Socket& s, MsgData& data, int flags, const SockAddr* to, MsgControl& control,
                              HostIoMode mode = HostIoMode::kNever);
// A whole receive: waits for the first data unless non-blocking; with
// MSG_WAITALL on a stream, until the buffer is full, end of file, a signal
// or passed descriptors.
Result<RecvResult> recv_waiting(Task& t, Socket& s, MsgData& data, int flags, HostIoMode mode = HostIoMode::kNever);
// accept: waits for a connection unless non-blocking.
Result<SocketRef> accept_waiting(Task& t, Socket& s);

}  // namespace lx
