// Control messages (cmsg(3)) between guest buffers and MsgControl: parsing
// a sender's buffer the way __scm_send does, and delivering descriptors and
// credentials into a receiver's buffer the way scm_recv/scm_detach_fds do.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/base/Result.h"
#include "kernel/net/Socket.h"

namespace lx {

class Task;

// buf: the guest's whole msg_control (already copied in). Non-SOL_SOCKET
// messages are skipped; EINVAL for a malformed cmsg_len, an unknown
// SOL_SOCKET type, more than SCM_MAX_FD descriptors or a bad ucred size;
// EBADF for a descriptor that is not open; EPERM for credentials the
// sender may not claim. creds defaults to the sender's own.
Result<MsgControl> parse_control(Task& t, std::span<const uint8_t> buf);

// Writes `control` (creds first, if want_creds, then rights) at the guest's
// msg_control: installs the descriptors (MSG_CMSG_CLOEXEC in recv_flags),
// sets MSG_CTRUNC in msg_flags when the buffer is short or the fd table is
// full (descriptors that do not fit are closed). Returns the bytes used.
Result<uint64_t> deliver_control(Task& t, uint64_t ctl_addr, uint64_t ctl_len, MsgControl& control, bool want_creds,
                                 int recv_flags, int& msg_flags);

}  // namespace lx
