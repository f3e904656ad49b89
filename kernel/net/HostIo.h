// Socket transfers made by the guest's own host process (pico::SocketIo)
// instead of being copied through the provider: for host-backed stream
// sockets (inet), a send or receive on one guest buffer is armed on the
// task's pico thread and the syscall returns kDeferredIo; the backend moves
// the bytes straight between the socket and guest memory when it resumes
// the thread, waiting for room or data itself, and only reports back when
// the syscall needs the kernel (an error, or a signal interrupting a wait).
// The bytes are then copied once, as on Linux, instead of three times, and
// the transfer runs outside the big lock, in parallel with the peer's.
//
// Only where the syscall has nothing left to do after the transfer (read,
// write, sendto, recvfrom without an address) and where the semantics are
// the host's own: no MSG_PEEK/TRUNC/OOB, no SO_RCVTIMEO/SNDTIMEO, no trace.
#pragma once

#include "kernel/net/Socket.h"

namespace lx {

class Task;

// What a caller of send_waiting/recv_waiting allows.
enum class HostIoMode {
  kNever,
  kAllowed,           // the syscall has nothing to do after the transfer
  kAllowedWithSigpipe  // ... but EPIPE raises SIGPIPE here (sendto)
};

// True if the transfer was armed: the caller returns err(kDeferredIo).
bool defer_send(Task& t, Socket& s, MsgData& data, int flags, bool may_block, HostIoMode mode);
bool defer_recv(Task& t, Socket& s, MsgData& data, int flags, bool may_block, HostIoMode mode);

}  // namespace lx
