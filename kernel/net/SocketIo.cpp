#include "kernel/net/SocketIo.h"

#include <algorithm>
#include <array>

#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

Result<SocketHandle> socket_fd(Task& t, int fd) {
  OpenFileRef f = TRY(t.fds().get(fd));
  Socket* s = as_socket(*f);
  if (!s) return err(ENOTSOCK);
  return SocketHandle{std::move(f), s};
}

Result<SockAddr> read_sockaddr(Task& t, uint64_t addr, int64_t len) {
  if (len < 0 || len > static_cast<int64_t>(abi::kSockaddrStorageSize)) return err(EINVAL);
  SockAddr a;
  if (len == 0) return a;
  TRY(t.mem().copy_in(addr, a.bytes.data(), static_cast<uint64_t>(len)));
  a.len = static_cast<uint32_t>(len);
  return a;
}

Result<void> write_sockaddr(Task& t, const SockAddr& a, uint64_t addr, uint64_t len_addr) {
  int len = TRY(t.mem().read(UserPtr<int>{len_addr}));
  if (len > static_cast<int>(a.len)) len = static_cast<int>(a.len);
  if (len < 0) return err(EINVAL);
  if (len > 0) TRY(t.mem().copy_out(addr, a.bytes.data(), static_cast<uint64_t>(len)));
  return t.mem().write(UserPtr<int>{len_addr}, static_cast<int>(a.len));
}

bool socket_may_block(const Socket& s, int flags) {
  return (flags & abi::kMsgDontwait) == 0 && (s.status_flags() & abi::kONonblock) == 0;
}

Result<void> wait_socket(Task& t, Socket& s, unsigned events, const Deadline& deadline) {
  const bool sending = (events & abi::kPollOut) != 0;
  std::array<WaitQueue*, 1> queues{sending ? s.send_wait_queue() : s.wait_queue()};
  const HostPoll hp{s.host_poll_fd(), static_cast<short>(events)};
  std::span<const HostPoll> host = hp.fd >= 0 ? std::span<const HostPoll>(&hp, 1) : std::span<const HostPoll>();
  const int intr = deadline.at ? EINTR : kErestartsys;
  auto ready = [&] { return sending ? s.send_ready() : (s.poll_events() & events) != 0; };
  Result<void> r = wait_until(t, queues, host, ready, deadline, intr);
  if (!r.ok() && r.error() == ETIMEDOUT) return err(EAGAIN);
  return r;
}

Result<uint64_t> send_waiting(Task& t, Socket& s, MsgData& data, int flags, const SockAddr* to, MsgControl& control,
                              HostIoMode mode) {
  const bool may_block = socket_may_block(s, flags);
  if (!(to && to->len) && control.rights.empty() && defer_send(t, s, data, flags, may_block, mode))
    return err(kDeferredIo);
  const int family_flags = flags & ~abi::kMsgDontwait;
  const Deadline deadline = s.send_deadline();
  uint64_t sent = 0;
  for (;;) {
    Result<uint64_t> r = s.sendmsg(t, data, family_flags, to, control);
    if (r.ok() && (r.value() > 0 || data.remaining() == 0)) {
      sent += r.value();
      if (!s.is_stream() || data.remaining() == 0 || !may_block) return sent;
      continue;  // the rest of a stream send waits for room
    }
    const int e = r.ok() ? EAGAIN : r.error();
    if (e != EAGAIN || !may_block) {
      if (sent > 0) return sent;
      return err(e);
    }
    Result<void> w = wait_socket(t, s, abi::kPollWritable, deadline);
    if (!w.ok()) {
      if (sent > 0) return sent;
      return err(w.error());
    }
  }
}

Result<RecvResult> recv_waiting(Task& t, Socket& s, MsgData& data, int flags, HostIoMode mode) {
  const bool may_block = socket_may_block(s, flags);
  if (defer_recv(t, s, data, flags, may_block, mode)) return err(kDeferredIo);
  const int family_flags = flags & ~abi::kMsgDontwait;
  const Deadline deadline = s.recv_deadline();
  RecvResult total;
  bool have = false;
  for (;;) {
    Result<RecvResult> r = s.recvmsg(t, data, family_flags);
    if (r.ok()) {
      RecvResult& got = r.value();
      const uint64_t got_len = got.len;
      if (!have) {
        total = std::move(got);
        have = true;
      } else {
        total.len += got.len;
        total.full_len += got.full_len;
        total.msg_flags |= got.msg_flags;
        for (OpenFileRef& f : got.control.rights) total.control.rights.push_back(std::move(f));
      }
      const bool more = (flags & abi::kMsgWaitall) && !(flags & abi::kMsgPeek) && s.is_stream() && may_block &&
                        data.remaining() > 0 && got_len > 0 && total.control.rights.empty();
      if (!more) return total;
      continue;
    }
    if (r.error() != EAGAIN || !may_block) {
      if (have) return total;
      return err(r.error());
    }
    Result<void> w = wait_socket(t, s, abi::kPollReadable, deadline);
    if (!w.ok()) {
      if (have) return total;
      return err(w.error());
    }
  }
}

Result<SocketRef> accept_waiting(Task& t, Socket& s) {
  const bool may_block = socket_may_block(s, 0);
  const Deadline deadline = s.recv_deadline();
  for (;;) {
    Result<SocketRef> r = s.accept(t);
    if (r.ok() || r.error() != EAGAIN || !may_block) return r;
    TRY(wait_socket(t, s, abi::kPollReadable, deadline));
  }
}

}  // namespace lx
