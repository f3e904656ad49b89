#include "kernel/net/inet/InetSocket.h"

#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/net/NetDevice.h"
#include "kernel/net/inet/InetOptions.h"
#include "kernel/vfs/FileWait.h"

namespace lx {

namespace {

// The guest ABI is the host's on a Linux x86-64 host; flags and sockaddrs
// are handed to the host unchanged.
static_assert(abi::kMsgPeek == MSG_PEEK && abi::kMsgTrunc == MSG_TRUNC && abi::kMsgWaitall == MSG_WAITALL &&
              abi::kMsgDontwait == MSG_DONTWAIT && abi::kMsgNosignal == MSG_NOSIGNAL && abi::kMsgOob == MSG_OOB);
static_assert(abi::kSolSocket == SOL_SOCKET && abi::kSoError == SO_ERROR && abi::kSoLinger == SO_LINGER);

// Guest flags a host send/recv honours; the rest are the layer's business
// (MSG_DONTWAIT: the host socket never blocks anyway; MSG_WAITALL: the
// layer loops; MSG_CMSG_CLOEXEC: no fds travel over inet).
constexpr int kSendFlags = MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_CONFIRM | MSG_MORE;
constexpr int kRecvFlags = MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_ERRQUEUE;

// One stream transfer moves at most this much through the bounce buffer;
// the layer calls again for the rest. 1 MiB keeps big writes to a few host
// calls without letting a guest make the provider allocate without bound.
constexpr uint64_t kStreamChunk = uint64_t{1} << 20;
// ... copied from the guest and sent this much at a time (see sendmsg).
constexpr uint64_t kStreamPiece = uint64_t{256} << 10;
// A datagram is never split: anything larger than the biggest IPv4/IPv6
// payload the host could send is EMSGSIZE without copying it.
constexpr uint64_t kMaxDatagram = 65535;

template <typename F>
auto retry_eintr(F f) {
  for (;;) {
    auto rc = f();
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

Result<void> void_rc(int rc) {
  if (rc < 0) return err(errno);
  return {};
}

// The provider thread's bounce buffer: kept between calls so a stream of
// 1 MiB messages does not map and fault in a fresh buffer each time.
std::span<uint8_t> bounce(uint64_t n) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < n) buf.resize(n);
  return {buf.data(), n};
}

SockAddr from_host(const sockaddr_storage& ss, socklen_t len) {
  return SockAddr::from({reinterpret_cast<const uint8_t*>(&ss), std::min<size_t>(len, sizeof ss)});
}

}  // namespace

InetSocket::InetSocket(int family, int type, int protocol, int host_fd)
    : Socket(family, type, protocol), fd_(host_fd) {}

InetSocket::~InetSocket() {
  // A copy left in a guest process would keep the connection open.
  for (auto& [mm, fd] : loans_)
    if (std::shared_ptr<Mm> m = mm.lock()) m->pico().reclaim_socket(fd);
  // A lingering close would block the provider on the host: the guest's
  // close returns at once and the host finishes the graceful close in the
  // background. An abortive linger (l_linger == 0, an RST) is kept.
  linger l{};
  socklen_t len = sizeof l;
  if (::getsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, &len) == 0 && l.l_onoff && l.l_linger > 0) {
    l.l_onoff = 0;
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd_);
}

Result<std::shared_ptr<InetSocket>> InetSocket::create(pico::Host& host, int family, int type, int protocol) {
  const int fd = TRY(host.open_socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
  // The guest sees the protocol the host chose (SO_PROTOCOL of protocol 0).
  int proto = protocol;
  socklen_t len = sizeof proto;
  if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0) proto = protocol;
  return std::make_shared<InetSocket>(family, type, proto, fd);
}

Result<void> InetSocket::bind(Task& t, const SockAddr& addr) {
  (void)t;
  return void_rc(::bind(fd_, reinterpret_cast<const sockaddr*>(addr.bytes.data()), addr.len));
}

Result<void> InetSocket::connect(Task& t, const SockAddr& addr, bool nonblock) {
  const int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(addr.bytes.data()), addr.len);
  if (rc == 0) return {};
  if (errno == EINTR) return err(kErestartsys);
  // EALREADY for a blocking caller: a connect interrupted by a signal and
  // restarted; Linux goes on waiting for the same handshake.
  const bool pending = errno == EINPROGRESS || errno == EALREADY;
  if (!pending || nonblock) return err(errno);
  return wait_connected(t);
}

// A blocking connect: sleeps (big lock released) until the host says the
// handshake ended, then reports its outcome as connect(2) does. SO_SNDTIMEO
// bounds the wait (EINPROGRESS then, as Linux's inet_wait_for_connect).
Result<void> InetSocket::wait_connected(Task& t) {
  const HostPoll hp{fd_, POLLOUT};
  const Deadline deadline = send_deadline();
  auto done = [&] {
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, 0) > 0;
  };
  Result<void> w = wait_until(t, std::span<WaitQueue* const>(), std::span<const HostPoll>(&hp, 1), done, deadline,
                              deadline.at ? EINTR : kErestartsys);
  if (!w.ok()) return err(w.error() == ETIMEDOUT ? EINPROGRESS : w.error());
  const int e = take_error();
  if (e != 0) return err(e);
  return {};
}

Result<void> InetSocket::listen(Task& t, int backlog) {
  (void)t;
  return void_rc(::listen(fd_, backlog));
}

Result<SocketRef> InetSocket::accept(Task& t) {
  (void)t;
  const int fd = retry_eintr([&] { return ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC); });
  if (fd < 0) return err(errno == EWOULDBLOCK ? EAGAIN : errno);
  auto conn = std::make_shared<InetSocket>(family(), type(), protocol(), fd);
  conn->set_send_check(send_check_);
  return SocketRef(std::move(conn));
}

Result<uint64_t> InetSocket::sendmsg(Task& t, MsgData& data, int flags, const SockAddr* to, MsgControl& control) {
  (void)t;
  // No file descriptors travel over inet sockets (__sock_cmsg_send: EINVAL).
  if (!control.rights.empty()) return err(EINVAL);
  if (!is_stream()) {
    if (data.remaining() > kMaxDatagram) return err(EMSGSIZE);
    return send_piece(data, data.remaining(), flags, to);
  }
  // A stream send goes in pieces: when the host's send buffer takes only
  // part of a big write, at most one piece was copied from the guest in
  // vain (copying all of it ahead each time made 1 MiB writes copy several
  // MiB). The first short piece ends the call; the layer waits for room.
  const uint64_t limit = std::min(data.remaining(), kStreamChunk);
  if (limit == 0) return send_piece(data, 0, flags, to);  // the host still reports ENOTCONN/EPIPE
  uint64_t sent = 0;
  while (sent < limit) {
    const uint64_t n = std::min(limit - sent, kStreamPiece);
    Result<uint64_t> r = send_piece(data, n, flags, to);
    if (!r.ok()) {
      if (sent > 0) return sent;
      return r;
    }
    sent += r.value();
    if (r.value() < n) break;
  }
  return sent;
}

// Copies the next n bytes of the message from the guest and offers them to
// the host; only the bytes the host accepted are consumed from the message.
Result<uint64_t> InetSocket::send_piece(MsgData& data, uint64_t n, int flags, const SockAddr* to) {
  MsgData ahead = data;
  std::span<uint8_t> buf = bounce(n);
  TRY(ahead.take(buf));
  if (send_check_) TRY(send_check_(buf, to && to->len ? to : nullptr));
  const sockaddr* dst = to && to->len ? reinterpret_cast<const sockaddr*>(to->bytes.data()) : nullptr;
  const socklen_t dst_len = dst ? to->len : 0;
  const ssize_t rc = retry_eintr(
      [&] { return ::sendto(fd_, buf.data(), n, (flags & kSendFlags) | MSG_DONTWAIT | MSG_NOSIGNAL, dst, dst_len); });
  if (rc < 0) return err(errno == EWOULDBLOCK ? EAGAIN : errno);
  const auto sent = static_cast<uint64_t>(rc);
  if (sent == n) {
    data = std::move(ahead);
  } else {
    TRY(data.take(buf.first(sent)));  // a short stream send: consume just what went
  }
  return sent;
}

Result<RecvResult> InetSocket::recvmsg(Task& t, MsgData& data, int flags) {
  (void)t;
  if (!is_stream()) return recv_piece(data, std::min(data.remaining(), kMaxDatagram), flags);
  // A stream receive goes in pieces, like a send, so the bounce buffer
  // stays small enough to be in cache when it is copied to the guest. A
  // peek, a discard or urgent data is one host call (a second peek would
  // return the same bytes again).
  const uint64_t limit = std::min(data.remaining(), kStreamChunk);
  if (limit == 0 || (flags & (MSG_PEEK | MSG_TRUNC | MSG_OOB))) return recv_piece(data, limit, flags);
  RecvResult total;
  while (total.len < limit) {
    const uint64_t n = std::min(limit - total.len, kStreamPiece);
    Result<RecvResult> r = recv_piece(data, n, flags);
    if (!r.ok()) {
      if (total.len > 0) return total;
      return r;
    }
    total.len += r.value().len;
    total.full_len += r.value().full_len;
    total.msg_flags |= r.value().msg_flags;
    if (r.value().len < n) break;  // drained (or end of stream)
  }
  return total;
}

Result<Socket::HostLoan> InetSocket::lend_host_socket(Task& t) {
  if (!is_stream() || send_check_) return err(ENOSYS);
  const std::shared_ptr<Mm>& mm = t.tg().mm_ref();
  int fd = -1;
  for (const auto& [w, n] : loans_)
    if (w.lock() == mm) fd = n;
  if (fd < 0) {
    std::erase_if(loans_, [](const auto& l) { return l.first.expired(); });
    fd = TRY(mm->pico().lend_socket(t.thread(), fd_));
    loans_.emplace_back(mm, fd);
  }
  return HostLoan{fd, shared_from_this()};
}

// One host recvmsg of at most n bytes, stored into the message.
Result<RecvResult> InetSocket::recv_piece(MsgData& data, uint64_t n, int flags) {
  std::span<uint8_t> buf = bounce(n);
  sockaddr_storage from{};
  iovec iov{buf.data(), n};
  msghdr mh{};
  mh.msg_name = &from;
  mh.msg_namelen = sizeof from;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  const ssize_t rc = retry_eintr([&] { return ::recvmsg(fd_, &mh, (flags & kRecvFlags) | MSG_DONTWAIT); });
  if (rc < 0) return err(errno == EWOULDBLOCK ? EAGAIN : errno);
  RecvResult r;
  r.full_len = static_cast<uint64_t>(rc);
  // Stream MSG_TRUNC discards on the host: nothing to store.
  const bool discarded = is_stream() && (flags & MSG_TRUNC);
  r.len = discarded ? 0 : std::min<uint64_t>(r.full_len, n);
  if (r.len) TRY(data.put(buf.first(r.len)));
  if (discarded) r.len = r.full_len;
  r.msg_flags = mh.msg_flags & (MSG_TRUNC | MSG_EOR | MSG_OOB);
  if (mh.msg_namelen > 0) r.from = from_host(from, mh.msg_namelen);
  return r;
}

Result<void> InetSocket::shutdown(Task& t, int how) {
  (void)t;
  return void_rc(::shutdown(fd_, how));
}

Result<SockAddr> InetSocket::getsockname() {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return err(errno);
  return from_host(ss, len);
}

Result<SockAddr> InetSocket::getpeername() {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) return err(errno);
  return from_host(ss, len);
}

Result<std::vector<uint8_t>> InetSocket::getsockopt(Task& t, int level, int name) {
  const bool host = level == SOL_SOCKET ? host_socket_option(name) : host_protocol_option(level, name);
  if (!host) {
    if (level == SOL_SOCKET) return Socket::getsockopt(t, level, name);
    return err(ENOPROTOOPT);
  }
  // Large enough for every pass-through option (TCP_INFO, IPV6 options).
  std::vector<uint8_t> out(512);
  socklen_t len = static_cast<socklen_t>(out.size());
  if (::getsockopt(fd_, level, name, out.data(), &len) < 0) return err(errno);
  out.resize(std::min<size_t>(len, out.size()));
  return out;
}

Result<void> InetSocket::setsockopt(Task& t, int level, int name, std::span<const uint8_t> val) {
  const bool host = level == SOL_SOCKET ? host_socket_option(name) : host_protocol_option(level, name);
  if (!host) {
    if (level == SOL_SOCKET) return Socket::setsockopt(t, level, name, val);
    return err(ENOPROTOOPT);
  }
  return void_rc(::setsockopt(fd_, level, name, val.data(), static_cast<socklen_t>(val.size())));
}

int InetSocket::take_error() {
  int e = 0;
  socklen_t len = sizeof e;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &e, &len) < 0) return errno;
  return e;
}

bool InetSocket::accepting_connections() const {
  int v = 0;
  socklen_t len = sizeof v;
  return ::getsockopt(fd_, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v != 0;
}

Result<long> InetSocket::ioctl(Task& task, unsigned cmd, uint64_t arg) {
  if (is_netdev_ioctl(cmd)) return netdev_ioctl(task, cmd, arg, fd_);
  switch (cmd) {
    case FIONREAD:    // SIOCINQ
    case TIOCOUTQ:    // SIOCOUTQ
    case SIOCATMARK: {
      int v = 0;
      if (::ioctl(fd_, cmd, &v) < 0) return err(errno);
      TRY(task.mem().write(UserPtr<int>{arg}, v));
      return 0;
    }
    default: return err(ENOTTY);
  }
}

unsigned InetSocket::poll_events() {
  pollfd p{fd_, POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP, 0};
  if (retry_eintr([&] { return ::poll(&p, 1, 0); }) < 0) return abi::kPollErr;
  return static_cast<uint16_t>(p.revents);
}

}  // namespace lx
