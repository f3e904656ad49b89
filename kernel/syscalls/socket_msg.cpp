// Socket data transfer: sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
// recvmmsg. Guest msghdrs are copied in as ___sys_sendmsg/___sys_recvmsg
// do (namelen clamped, EMSGSIZE for too many iovecs, ENOBUFS for control
// buffers above optmem_max), control messages go through net/Cmsg.h, and
// EPIPE raises SIGPIPE here unless MSG_NOSIGNAL (write(2) on a socket gets
// it from the dispatcher).
#include <algorithm>
#include <chrono>
#include <vector>

#include "kernel/Task.h"
#include "kernel/abi/Time.h"
#include "kernel/net/Cmsg.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/net/SocketIo.h"
#include "kernel/signal/SigInfo.h"
#include "kernel/signal/Signal.h"
#include "kernel/syscalls/SocketCalls.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestIo.h"

namespace lx {

namespace {

constexpr int kSigpipe = 13;

// EPIPE from a send raises SIGPIPE once, unless the caller asked not to.
template <typename T>
Result<T> with_sigpipe(Task& t, Result<T> r, int flags) {
  if (!r.ok() && r.error() == EPIPE && !(flags & abi::kMsgNosignal))
    send_signal(t, make_siginfo(kSigpipe, kSiUser));
  return r;
}

// A guest buffer of send/recv: range-checked first (import_ubuf), clamped
// to MAX_RW_COUNT.
Result<abi::Iovec> user_buffer(Task& t, uint64_t buf, uint64_t len) {
  TRY(t.mem().check_range(buf, len));
  return abi::Iovec{buf, std::min(len, abi::kMaxRwCount)};
}

Result<long> sys_sendto(Task& t, const SyscallArgs& a) {
  const abi::Iovec iov = TRY(user_buffer(t, a[1], a[2]));
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const int flags = arg_int(a[3]);
  SockAddr to;
  if (a[4]) to = TRY(read_sockaddr(t, a[4], arg_int(a[5])));
  MsgData data(t.mem(), {iov});
  MsgControl control;
  control.creds = abi::Ucred{t.tg().pid(), t.tg().uid, t.tg().gid};
  return static_cast<long>(
      TRY(with_sigpipe(t,
                       send_waiting(t, *h.sock, data, flags, to.len ? &to : nullptr, control,
                                    HostIoMode::kAllowedWithSigpipe),
                       flags)));
}

Result<long> sys_recvfrom(Task& t, const SyscallArgs& a) {
  const abi::Iovec iov = TRY(user_buffer(t, a[1], a[2]));
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const int flags = arg_int(a[3]);
  MsgData data(t.mem(), {iov});
  // Without an address to store, the transfer is all that is left.
  const HostIoMode mode = a[4] ? HostIoMode::kNever : HostIoMode::kAllowed;
  RecvResult r = TRY(recv_waiting(t, *h.sock, data, flags, mode));
  if (a[4]) TRY(write_sockaddr(t, r.from, a[4], a[5]));
  return static_cast<long>((flags & abi::kMsgTrunc) ? r.full_len : r.len);
}

// A guest msghdr, copied in (__copy_msghdr).
struct GuestMsg {
  abi::Msghdr hdr{};
  std::vector<abi::Iovec> iov;
};

Result<GuestMsg> read_msghdr(Task& t, uint64_t addr) {
  GuestMsg m;
  m.hdr = TRY(t.mem().read(UserPtr<abi::Msghdr>{addr}));
  if (!m.hdr.msg_name) m.hdr.msg_namelen = 0;
  if (m.hdr.msg_namelen < 0) return err(EINVAL);
  m.hdr.msg_namelen = std::min<int32_t>(m.hdr.msg_namelen, abi::kSockaddrStorageSize);
  if (m.hdr.msg_iovlen > static_cast<uint64_t>(abi::kUioMaxiov)) return err(EMSGSIZE);
  m.iov = TRY(read_guest_iovec(t.mem(), m.hdr.msg_iov, m.hdr.msg_iovlen));
  return m;
}

Result<uint64_t> do_sendmsg(Task& t, Socket& s, uint64_t msg_addr, int flags) {
  GuestMsg m = TRY(read_msghdr(t, msg_addr));
  SockAddr to;
  if (m.hdr.msg_namelen) to = TRY(read_sockaddr(t, m.hdr.msg_name, m.hdr.msg_namelen));
  if (m.hdr.msg_controllen > static_cast<uint64_t>(INT32_MAX)) return err(ENOBUFS);
  if (m.hdr.msg_controllen > abi::kOptmemMax) return err(ENOBUFS);
  std::vector<uint8_t> ctl(m.hdr.msg_controllen);
  TRY(t.mem().copy_in(m.hdr.msg_control, ctl.data(), ctl.size()));
  MsgControl control = TRY(parse_control(t, ctl));
  MsgData data(t.mem(), std::move(m.iov));
  return with_sigpipe(t, send_waiting(t, s, data, flags, to.len ? &to : nullptr, control), flags);
}

Result<long> sys_sendmsg(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  return static_cast<long>(TRY(do_sendmsg(t, *h.sock, a[1], arg_int(a[2]))));
}

Result<uint64_t> do_recvmsg(Task& t, Socket& s, uint64_t msg_addr, int flags) {
  GuestMsg m = TRY(read_msghdr(t, msg_addr));
  MsgData data(t.mem(), std::move(m.iov));
  RecvResult r = TRY(recv_waiting(t, s, data, flags));
  int msg_flags = r.msg_flags;
  const uint64_t used =
      TRY(deliver_control(t, m.hdr.msg_control, m.hdr.msg_controllen, r.control, s.passcred(), flags, msg_flags));
  if (m.hdr.msg_name) {
    const uint64_t len_addr = msg_addr + offsetof(abi::Msghdr, msg_namelen);
    // move_addr_to_user against the clamped length the guest gave.
    const int32_t give = std::min<int32_t>(m.hdr.msg_namelen, static_cast<int32_t>(r.from.len));
    TRY(t.mem().copy_out(m.hdr.msg_name, r.from.bytes.data(), static_cast<uint64_t>(give)));
    TRY(t.mem().write(UserPtr<int32_t>{len_addr}, static_cast<int32_t>(r.from.len)));
  }  // no msg_name: msg_namelen is left as it was, as Linux does
  TRY(t.mem().write(UserPtr<int32_t>{msg_addr + offsetof(abi::Msghdr, msg_flags)}, msg_flags));
  TRY(t.mem().write(UserPtr<uint64_t>{msg_addr + offsetof(abi::Msghdr, msg_controllen)}, used));
  return (flags & abi::kMsgTrunc) ? r.full_len : r.len;
}

Result<long> sys_recvmsg(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  return static_cast<long>(TRY(do_recvmsg(t, *h.sock, a[1], arg_int(a[2]))));
}

Result<long> sys_sendmmsg(Task& t, const SyscallArgs& a) {
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const uint32_t vlen = std::min<uint32_t>(static_cast<uint32_t>(a[2]), abi::kUioMaxiov);
  const int flags = arg_int(a[3]);
  long sent = 0;
  for (uint32_t i = 0; i < vlen; ++i) {
    const uint64_t entry = a[1] + uint64_t{i} * sizeof(abi::Mmsghdr);
    Result<uint64_t> r = do_sendmsg(t, *h.sock, entry, flags);
    if (!r.ok()) {
      if (sent > 0) return sent;
      return err(r.error());
    }
    if (!t.mem().write(UserPtr<uint32_t>{entry + offsetof(abi::Mmsghdr, msg_len)}, static_cast<uint32_t>(r.value())).ok())
      return sent > 0 ? Result<long>(sent) : Result<long>(err(EFAULT));
    ++sent;
  }
  return sent;
}

Result<long> sys_recvmmsg(Task& t, const SyscallArgs& a) {
  const uint64_t timeout_addr = a[4];
  Deadline deadline;
  abi::Timespec ts{};
  if (timeout_addr) {
    ts = TRY(t.mem().read(UserPtr<abi::Timespec>{timeout_addr}));
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return err(EINVAL);
    deadline = Deadline::in(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  SocketHandle h = TRY(socket_fd(t, arg_int(a[0])));
  const uint32_t vlen = std::min<uint32_t>(static_cast<uint32_t>(a[2]), abi::kUioMaxiov);
  int flags = arg_int(a[3]);
  const bool wait_for_one = (flags & abi::kMsgWaitforone) != 0;
  flags &= ~abi::kMsgWaitforone;
  long got = 0;
  for (uint32_t i = 0; i < vlen; ++i) {
    const uint64_t entry = a[1] + uint64_t{i} * sizeof(abi::Mmsghdr);
    Result<uint64_t> r = do_recvmsg(t, *h.sock, entry, flags);
    if (!r.ok()) {
      if (got > 0) break;
      return err(r.error());
    }
    if (!t.mem().write(UserPtr<uint32_t>{entry + offsetof(abi::Mmsghdr, msg_len)}, static_cast<uint32_t>(r.value())).ok()) {
      if (got > 0) break;
      return err(EFAULT);
    }
    ++got;
    if (wait_for_one) flags |= abi::kMsgDontwait;
    if (timeout_addr && deadline.expired()) break;
  }
  if (timeout_addr && got > 0) {
    // The time left goes back to the guest, as recvmmsg(2) documents.
    auto left = deadline.at ? *deadline.at - SteadyClock::now() : std::chrono::nanoseconds(0);
    const int64_t ns = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(left).count());
    const abi::Timespec out{ns / 1000000000, ns % 1000000000};
    TRY(t.mem().write(UserPtr<abi::Timespec>{timeout_addr}, out));
  }
  return got;
}

}  // namespace

void register_socket_msg(SyscallTable& t) {
  using A = Arg;
  t.add(44, "sendto", Support::Full, sys_sendto, {A::Fd, A::InBuf, A::Size, A::Hex, A::Ptr, A::Int});
  t.add(45, "recvfrom", Support::Full, sys_recvfrom, {A::Fd, A::OutBuf, A::Size, A::Hex, A::Ptr, A::Ptr});
  t.add(46, "sendmsg", Support::Partial, sys_sendmsg, {A::Fd, A::Ptr, A::Hex},
        "SCM_RIGHTS and SCM_CREDENTIALS only; no garbage collection of descriptor cycles in flight");
  t.add(47, "recvmsg", Support::Partial, sys_recvmsg, {A::Fd, A::Ptr, A::Hex}, "no MSG_OOB, MSG_ERRQUEUE");
  t.add(307, "sendmmsg", Support::Full, sys_sendmmsg, {A::Fd, A::Ptr, A::UInt, A::Hex});
  t.add(299, "recvmmsg", Support::Partial, sys_recvmmsg, {A::Fd, A::Ptr, A::UInt, A::Hex, A::Ptr},
        "the timeout is checked after each datagram, as Linux does; errors after the first datagram are dropped");
}

}  // namespace lx
