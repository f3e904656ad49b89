#include "kernel/net/HostIo.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/signal/SigInfo.h"
#include "kernel/signal/Signal.h"

namespace lx {

namespace {

constexpr int kSigpipe = 13;

// What the backend is told, and what the syscall needs to finish from a
// report: the loan stays pinned until then.
struct Transfer {
  Socket::HostLoan loan;
  bool send = false;
  uint64_t buf = 0, len = 0;
  int flags = 0;  // the guest's
  bool wait = false;
  bool sigpipe = false;
  uint64_t done = 0;  // moved by earlier rounds (a send resumed after a stray kick)
};

bool arm(Task& t, Transfer x);

// The syscall's result from a report (Task::io_finish).
Result<long> finish(Task& t, Transfer& x, int64_t result, bool interrupted) {
  if (result >= 0) {
    const uint64_t done = x.done + static_cast<uint64_t>(result);
    // A wait ended by a kick that brought no signal to take (it was for
    // something already handled): a blocking send goes on with the rest.
    if (x.send && interrupted && x.wait && done < x.len && !t.interrupted()) {
      Transfer rest = x;
      rest.buf += static_cast<uint64_t>(result);
      rest.len -= static_cast<uint64_t>(result);
      rest.done = done;
      if (arm(t, std::move(rest))) return err(kDeferredIo);
    }
    return static_cast<long>(done);
  }
  if (x.done > 0) return static_cast<long>(x.done);  // bytes sent win over a later error
  const int e = static_cast<int>(-result);
  if (e == EINTR) return err(kErestartsys);  // no SO_*TIMEO here: sock_intr_errno
  if (e == EPIPE && x.sigpipe && !(x.flags & abi::kMsgNosignal)) send_signal(t, make_siginfo(kSigpipe, kSiUser));
  return err(e);
}

bool arm(Task& t, Transfer x) {
  pico::SocketIo io;
  io.fd = x.loan.fd;
  io.send = x.send;
  io.buf = x.buf;
  io.len = x.len;
  // The host must never raise SIGPIPE in the guest's process: EPIPE comes
  // back here. MSG_WAITALL is the layer's (io.want).
  io.flags = x.send ? abi::kMsgNosignal : 0;
  io.wait = x.wait;
  io.want = x.wait && (x.send || (x.flags & abi::kMsgWaitall)) ? x.len : (x.wait ? 1 : 0);
  if (!t.thread().arm_socket_io(io)) return false;
  t.io_finish = [x = std::move(x)](Task& task, int64_t result, bool interrupted) mutable {
    return finish(task, x, result, interrupted);
  };
  return true;
}

bool defer(Task& t, Socket& s, MsgData& data, int flags, bool may_block, HostIoMode mode, bool send) {
  // Cheapest first: most sockets that get here (unix ones) are not the host's.
  if (mode == HostIoMode::kNever || s.host_poll_fd() < 0 || !s.is_stream() || t.kernel().config().trace)
    return false;
  const int allowed = abi::kMsgDontwait | (send ? abi::kMsgNosignal : abi::kMsgWaitall);
  if (flags & ~allowed) return false;
  // The wait is the host's: a timeout would need the layer's deadline.
  if (may_block && (send ? s.send_deadline() : s.recv_deadline()).at) return false;
  const std::optional<abi::Iovec> buf = data.single_guest_buffer();
  if (!buf || buf->len == 0 || !t.mem().check_range(buf->base, buf->len).ok()) return false;
  Result<Socket::HostLoan> loan = s.lend_host_socket(t);
  if (!loan.ok()) return false;
  Transfer x;
  x.loan = std::move(loan.value());
  x.send = send;
  x.buf = buf->base;
  x.len = buf->len;
  x.flags = flags;
  x.wait = may_block;
  x.sigpipe = mode == HostIoMode::kAllowedWithSigpipe;
  return arm(t, std::move(x));
}

}  // namespace

bool defer_send(Task& t, Socket& s, MsgData& data, int flags, bool may_block, HostIoMode mode) {
  return defer(t, s, data, flags, may_block, mode, true);
}

bool defer_recv(Task& t, Socket& s, MsgData& data, int flags, bool may_block, HostIoMode mode) {
  return defer(t, s, data, flags, may_block, mode, false);
}

}  // namespace lx
