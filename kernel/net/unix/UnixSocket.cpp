#include "kernel/net/unix/UnixSocket.h"

#include <algorithm>
#include <cstring>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/net/NetDevice.h"
#include "kernel/sched/Wait.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/PathLookup.h"

namespace lx {

namespace {

constexpr uint32_t kSunPathOffset = 2;     // offsetof(struct sockaddr_un, sun_path)
constexpr uint32_t kSockaddrUnSize = 110;  // sizeof(struct sockaddr_un)
constexpr size_t kMaxDgramQlen = 10;       // net.unix.max_dgram_qlen
// What a queued message costs its sender beyond its bytes (skb truesize
// overhead): keeps empty datagrams from queueing without bound.
constexpr uint64_t kMsgOverhead = 512;

// A parsed sockaddr_un: a filesystem path or an abstract name.
struct UnixAddr {
  bool abstract = false;
  std::string name;  // path, or the abstract bytes after the leading NUL
};

// unix_validate_addr + unix_mkname_bsd.
Result<UnixAddr> parse_addr(const SockAddr& a) {
  if (a.len <= kSunPathOffset || a.len > kSockaddrUnSize || a.family() != abi::kAfUnix) return err(EINVAL);
  UnixAddr u;
  const char* p = reinterpret_cast<const char*>(a.bytes.data()) + kSunPathOffset;  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  const size_t n = a.len - kSunPathOffset;
  if (p[0] == 0) {
    u.abstract = true;
    u.name.assign(p + 1, n - 1);
  } else {
    u.name.assign(p, strnlen(p, n));
  }
  return u;
}

SockAddr unnamed() {
  SockAddr a;
  a.bytes[0] = abi::kAfUnix;
  a.len = kSunPathOffset;
  return a;
}

SockAddr abstract_addr(const std::string& name) {
  SockAddr a = unnamed();
  a.bytes[kSunPathOffset] = 0;
  std::memcpy(a.bytes.data() + kSunPathOffset + 1, name.data(), name.size());
  a.len = static_cast<uint32_t>(kSunPathOffset + 1 + name.size());
  return a;
}

// A bound path reports strlen + offsetof + 1 (its NUL), as Linux does.
SockAddr path_addr(const std::string& path) {
  SockAddr a = unnamed();
  std::memcpy(a.bytes.data() + kSunPathOffset, path.data(), path.size());
  a.bytes[kSunPathOffset + path.size()] = 0;
  a.len = static_cast<uint32_t>(kSunPathOffset + path.size() + 1);
  return a;
}

abi::Ucred task_cred(Task& t) { return abi::Ucred{t.tg().pid(), t.tg().euid, t.tg().egid}; }

}  // namespace

UnixSocket::UnixSocket(std::shared_ptr<UnixNames> names, int type)
    : Socket(abi::kAfUnix, type, 0), names_(std::move(names)) {}

UnixSocket::~UnixSocket() {
  if (bound_inode_) names_->unbind_inode(inode_, this);
  if (bound_abstract_) names_->unbind_abstract(abstract_, this);
  if (std::shared_ptr<UnixSocket> other = peer_.lock(); other && connection_oriented()) {
    other->peer_name_ = addr_.len ? addr_ : unnamed();
    // unix_release_sock: unread data or a never-accepted connection resets the peer.
    other->peer_gone(!queue_msgs_.empty() || !accepted_);
  }
  // Descriptors in flight and embryo connections (whose clients get reset)
  // are released iteratively: a socket in flight may hold sockets holding
  // sockets..., and Linux sets no depth limit, so recursion could overflow
  // the provider's stack.
  std::vector<OpenFileRef> doomed;
  for (Message& m : queue_msgs_) {
    for (OpenFileRef& f : m.control.rights) doomed.push_back(std::move(f));
    if (m.embryo) doomed.push_back(std::move(m.embryo));
  }
  while (!queue_msgs_.empty()) consume_front();
  release_iteratively(std::move(doomed));
}

void UnixSocket::release_iteratively(std::vector<OpenFileRef> files) {
  // The outermost release drains; nested destructors only add to its list.
  thread_local std::vector<OpenFileRef>* pending = nullptr;
  if (pending) {
    for (OpenFileRef& f : files) pending->push_back(std::move(f));
    return;
  }
  std::vector<OpenFileRef> list = std::move(files);
  pending = &list;
  while (!list.empty()) {
    OpenFileRef f = std::move(list.back());
    list.pop_back();
    f.reset();  // may run ~UnixSocket, which appends to `list`
  }
  pending = nullptr;
}

void UnixSocket::pair(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b,
                      const abi::Ucred& creds) {
  for (const auto& [s, o] : {std::pair{a, b}, std::pair{b, a}}) {
    s->peer_ = o;
    s->state_ = State::Connected;
    s->was_connected_ = true;
    s->peer_cred_ = creds;
    s->own_cred_ = creds;
  }
}

// ---- names --------------------------------------------------------------------------

Result<void> UnixSocket::autobind() {
  if (addr_.len) return {};
  const std::string name = names_->autobind_name();
  if (name.empty()) return err(ENOSPC);
  (void)names_->bind_abstract(name, shared_from_this());
  abstract_ = name;
  bound_abstract_ = true;
  addr_ = abstract_addr(name);
  return {};
}

Result<void> UnixSocket::bind(Task& t, const SockAddr& addr) {
  // A bare family is autobind (a no-op when already bound).
  if (addr.len == kSunPathOffset && addr.family() == abi::kAfUnix) return autobind();
  const UnixAddr u = TRY(parse_addr(addr));
  if (u.abstract) {
    if (addr_.len) return err(EINVAL);
    if (!names_->bind_abstract(u.name, shared_from_this())) return err(EADDRINUSE);
    abstract_ = u.name;
    bound_abstract_ = true;
    addr_ = addr;
    return {};
  }
  Vfs& vfs = t.kernel().vfs();
  const std::string base = TRY(at_base(t, abi::kAtFdCwd, u.name));
  const unsigned mode = abi::kSIfsock | (0777 & ~t.tg().umask);
  Result<void> made = vfs.mknod(base, u.name, mode, 0);
  if (!made.ok()) return err(made.error() == EEXIST ? EADDRINUSE : made.error());
  if (addr_.len) {
    (void)vfs.unlink(base, u.name);
    return err(EINVAL);
  }
  Result<abi::Stat> st = vfs.stat(base, u.name, false);
  if (!st.ok()) {
    (void)vfs.unlink(base, u.name);
    return err(st.error());
  }
  inode_ = {st.value().st_dev, st.value().st_ino};
  names_->bind_inode(inode_, shared_from_this());
  bound_inode_ = true;
  addr_ = path_addr(u.name);
  return {};
}

Result<std::shared_ptr<UnixSocket>> UnixSocket::lookup(Task& t, const SockAddr& addr) {
  const UnixAddr u = TRY(parse_addr(addr));
  std::shared_ptr<UnixSocket> other;
  if (u.abstract) {
    other = names_->find_abstract(u.name);
  } else {
    const std::string base = TRY(at_base(t, abi::kAtFdCwd, u.name));
    const abi::Stat st = TRY(t.kernel().vfs().stat(base, u.name, true));
    if ((st.st_mode & abi::kSIfmt) != abi::kSIfsock) return err(ECONNREFUSED);
    other = names_->find_inode({st.st_dev, st.st_ino});
  }
  if (!other) return err(ECONNREFUSED);
  if (other->type() != type()) return err(EPROTOTYPE);
  return other;
}

Result<SockAddr> UnixSocket::getsockname() { return addr_.len ? addr_ : unnamed(); }

Result<SockAddr> UnixSocket::getpeername() {
  if (std::shared_ptr<UnixSocket> p = peer_.lock()) return p->addr_.len ? p->addr_ : unnamed();
  if (state_ == State::Connected && peer_name_.len) return peer_name_;
  return err(ENOTCONN);
}

// ---- connections ------------------------------------------------------------------

bool UnixSocket::recvq_full() const {
  const size_t limit = state_ == State::Listening ? static_cast<size_t>(backlog_) : kMaxDgramQlen;
  return queue_msgs_.size() > limit;
}

Result<void> UnixSocket::listen(Task& t, int backlog) {
  if (!connection_oriented()) return err(EOPNOTSUPP);
  if (!addr_.len) return err(EINVAL);
  if (state_ != State::Unconnected && state_ != State::Listening) return err(EINVAL);
  if (backlog > backlog_) queue_.wake_all();  // connectors waiting for room
  backlog_ = backlog;
  state_ = State::Listening;
  own_cred_ = task_cred(t);
  return {};
}

Result<void> UnixSocket::connect(Task& t, const SockAddr& addr, bool nonblock) {
  if (connection_oriented()) return connect_stream(t, addr, nonblock);
  return connect_dgram(t, addr);
}

Result<void> UnixSocket::connect_stream(Task& t, const SockAddr& addr, bool nonblock) {
  TRY(parse_addr(addr));
  if (passcred()) TRY(autobind());
  const Deadline deadline = send_deadline();
  for (;;) {
    std::shared_ptr<UnixSocket> other = TRY(lookup(t, addr));
    if (other->state_ != State::Listening || (other->shutdown_ & kRcvShutdown)) return err(ECONNREFUSED);
    if (other->recvq_full()) {
      if (nonblock) return err(EAGAIN);
      Result<void> w = wait_event(
          t, {&other->queue_}, [&] { return !other->recvq_full() || other->state_ != State::Listening; }, deadline,
          deadline.at ? EINTR : kErestartsys);
      if (!w.ok()) return err(w.error() == ETIMEDOUT ? EAGAIN : w.error());
      continue;  // the listener may be gone or rebound: look it up again
    }
    if (state_ == State::Connected) return err(EISCONN);
    if (state_ != State::Unconnected) return err(EINVAL);

    auto embryo = std::make_shared<UnixSocket>(names_, type());
    embryo->state_ = State::Connected;
    embryo->was_connected_ = true;
    embryo->accepted_ = false;
    embryo->peer_ = shared_from_this();
    embryo->peer_cred_ = task_cred(t);
    embryo->own_cred_ = other->own_cred_;
    embryo->addr_ = other->addr_;  // an accepted socket reports the listener's name
    embryo->set_passcred(other->passcred());
    state_ = State::Connected;
    was_connected_ = true;
    peer_ = embryo;
    peer_cred_ = other->own_cred_;
    Message m;
    m.embryo = std::move(embryo);
    other->queue_msgs_.push_back(std::move(m));
    other->queue_.wake_all();
    return {};
  }
}

Result<void> UnixSocket::connect_dgram(Task& t, const SockAddr& addr) {
  if (addr.len < 2) return err(EINVAL);
  if (addr.family() == abi::kAfUnspec) {  // dissolve the association
    peer_.reset();
    state_ = State::Unconnected;
    return {};
  }
  TRY(parse_addr(addr));
  if (passcred()) TRY(autobind());
  std::shared_ptr<UnixSocket> other = TRY(lookup(t, addr));
  std::shared_ptr<UnixSocket> theirs = other->peer_.lock();
  if (theirs && theirs.get() != this) return err(EPERM);
  peer_ = other;
  state_ = State::Connected;
  was_connected_ = true;
  return {};
}

Result<SocketRef> UnixSocket::accept(Task& t) {
  (void)t;
  if (!connection_oriented()) return err(EOPNOTSUPP);
  if (state_ != State::Listening) return err(EINVAL);
  if (queue_msgs_.empty()) return err(EAGAIN);
  std::shared_ptr<UnixSocket> conn = std::move(queue_msgs_.front().embryo);
  queue_msgs_.pop_front();
  queue_.wake_all();  // a connector may wait for room in the backlog
  conn->accepted_ = true;
  return SocketRef(conn);
}

Result<void> UnixSocket::shutdown(Task& t, int how) {
  (void)t;
  const int mode = (how + 1) & (kRcvShutdown | kSendShutdown);
  if (!mode) return {};
  shutdown_ |= mode;
  queue_.wake_all();
  std::shared_ptr<UnixSocket> other = peer_.lock();
  if (other && connection_oriented()) {
    int peer_mode = 0;
    if (mode & kRcvShutdown) peer_mode |= kSendShutdown;
    if (mode & kSendShutdown) peer_mode |= kRcvShutdown;
    other->shutdown_ |= peer_mode;
    other->queue_.wake_all();
  }
  return {};
}

void UnixSocket::peer_gone(bool reset) {
  shutdown_ = kRcvShutdown | kSendShutdown;
  if (reset) error_ = ECONNRESET;
  queue_.wake_all();
}

int UnixSocket::take_error() {
  const int e = error_;
  error_ = 0;
  return e;
}

// ---- queues -----------------------------------------------------------------------

void UnixSocket::enqueue(Message m, const std::shared_ptr<UnixSocket>& sender) {
  m.charge = m.data.size() + kMsgOverhead;
  sender->wmem_ += m.charge;
  m.sender = sender;
  queue_msgs_.push_back(std::move(m));
  queue_.wake_all();
}

void UnixSocket::consume_front() {
  Message m = std::move(queue_msgs_.front());
  queue_msgs_.pop_front();
  if (std::shared_ptr<UnixSocket> s = m.sender.lock()) {
    // Only a sender that was not writable can have a task waiting for room
    // (a blocked send, a poll for POLLOUT); the sender's own receive, asleep
    // on the same queue, would just wake for nothing. epoll hears it anyway,
    // as Linux's write_space callback fires on every refund.
    const bool was_writable = s->writable();
    s->wmem_ -= std::min(s->wmem_, m.charge);
    if (was_writable)
      s->queue_.notify_hooks();
    else
      s->queue_.wake_all();
  }
  queue_.wake_all();  // unconnected senders waiting for room here
}

bool UnixSocket::writable() const {
  return state_ != State::Listening && (wmem_ << 2) <= static_cast<uint64_t>(sndbuf());
}

WaitQueue* UnixSocket::send_wait_queue() { return blocked_on_ ? &blocked_on_->queue_ : &queue_; }

bool UnixSocket::send_ready() {
  if ((shutdown_ & kSendShutdown) || error_) return true;
  if (blocked_on_ && blocked_on_->recvq_full()) return false;
  return wmem_ < static_cast<uint64_t>(sndbuf());
}

unsigned UnixSocket::poll_events() {
  unsigned mask = 0;
  if (error_) mask |= abi::kPollErr;
  if (shutdown_ == (kRcvShutdown | kSendShutdown)) mask |= abi::kPollHup;
  if (shutdown_ & kRcvShutdown) mask |= abi::kPollRdhup | abi::kPollIn | abi::kPollRdnorm;
  if (!queue_msgs_.empty()) mask |= abi::kPollIn | abi::kPollRdnorm;
  if (connection_oriented() && state_ == State::Unconnected) mask |= abi::kPollHup;
  bool can_write = writable();
  if (!connection_oriented()) {
    // A connected datagram socket waits for a receiver that is not connected back to it.
    std::shared_ptr<UnixSocket> p = peer_.lock();
    if (p && p.get() != this && p->peer_.lock().get() != this && p->recvq_full()) can_write = false;
  }
  if (can_write) mask |= abi::kPollOut | abi::kPollWrnorm | abi::kPollWrband;
  return mask;
}

Result<long> UnixSocket::ioctl(Task& task, unsigned cmd, uint64_t arg) {
  if (is_netdev_ioctl(cmd)) return netdev_ioctl(task, cmd, arg);
  if (cmd != abi::kFionread) return err(ENOTTY);  // SIOCINQ
  if (state_ == State::Listening) return err(EINVAL);
  uint64_t n = 0;
  for (const Message& m : queue_msgs_) {
    n += m.data.size() - m.off;
    if (!is_stream()) break;  // datagrams: the next one's size
  }
  TRY(task.mem().write(UserPtr<int>{arg}, static_cast<int>(std::min<uint64_t>(n, INT32_MAX))));
  return 0;
}

// ---- send -------------------------------------------------------------------------

Result<uint64_t> UnixSocket::sendmsg(Task& t, MsgData& data, int flags, const SockAddr* to, MsgControl& control) {
  if (flags & abi::kMsgOob) return err(EOPNOTSUPP);
  if (is_stream()) return send_stream(t, data, to, control);
  if (type() == abi::kSockSeqpacket) {
    if (state_ != State::Connected) return err(ENOTCONN);
    return send_packet(t, data, nullptr, control);
  }
  return send_packet(t, data, to, control);
}

Result<uint64_t> UnixSocket::send_stream(Task& t, MsgData& data, const SockAddr* to, MsgControl& control) {
  (void)t;
  if (to) return err(state_ == State::Connected ? EISCONN : EOPNOTSUPP);
  if (!was_connected_) return err(ENOTCONN);
  if (shutdown_ & kSendShutdown) return err(EPIPE);
  std::shared_ptr<UnixSocket> other = peer_.lock();
  if (!other || (other->shutdown_ & kRcvShutdown)) return err(EPIPE);
  if (data.remaining() == 0) return 0;
  const uint64_t max_chunk = std::max<int64_t>(sndbuf() / 2 - 64, 1);
  uint64_t sent = 0;
  while (data.remaining() > 0 && wmem_ < static_cast<uint64_t>(sndbuf())) {
    Message m;
    m.data.resize(std::min(data.remaining(), max_chunk));
    Result<void> r = data.take(m.data);
    if (!r.ok()) {
      if (sent > 0) break;
      return err(r.error());
    }
    // Descriptors ride with the first chunk; every chunk carries the creds.
    m.control.creds = control.creds;
    if (sent == 0) m.control.rights = std::move(control.rights);
    control.rights.clear();
    m.from = addr_;
    sent += m.data.size();
    other->enqueue(std::move(m), shared_from_this());
  }
  if (sent == 0) return err(EAGAIN);
  return sent;
}

Result<uint64_t> UnixSocket::send_packet(Task& t, MsgData& data, const SockAddr* to, MsgControl& control) {
  blocked_on_.reset();
  if (to) TRY(parse_addr(*to));
  if (passcred() && !addr_.len) TRY(autobind());
  const uint64_t len = data.remaining();
  if (len > static_cast<uint64_t>(sndbuf()) - 32) return err(EMSGSIZE);
  if (shutdown_ & kSendShutdown) return err(EPIPE);
  std::shared_ptr<UnixSocket> other;
  if (to) {
    other = TRY(lookup(t, *to));
  } else {
    other = peer_.lock();
    if (!other) {
      if (type() == abi::kSockSeqpacket) return err(EPIPE);
      if (state_ != State::Connected) return err(ENOTCONN);
      // The connected receiver is gone: the association dissolves.
      state_ = State::Unconnected;
      return err(ECONNREFUSED);
    }
  }
  if (!connection_oriented()) {
    std::shared_ptr<UnixSocket> theirs = other->peer_.lock();
    if (theirs && theirs.get() != this) return err(EPERM);
  }
  if (other->shutdown_ & kRcvShutdown) return err(EPIPE);
  if (wmem_ >= static_cast<uint64_t>(sndbuf())) return err(EAGAIN);
  if (!connection_oriented() && other.get() != this && other->peer_.lock().get() != this && other->recvq_full()) {
    blocked_on_ = other;
    return err(EAGAIN);
  }
  Message m;
  m.data.resize(len);
  TRY(data.take(m.data));
  m.control = std::move(control);
  control = MsgControl{};
  m.from = addr_;
  other->enqueue(std::move(m), shared_from_this());
  return len;
}

// ---- receive ----------------------------------------------------------------------

Result<RecvResult> UnixSocket::recvmsg(Task& t, MsgData& data, int flags) {
  (void)t;
  if (flags & abi::kMsgOob) return err(EOPNOTSUPP);
  if (is_stream()) {
    if (state_ != State::Connected) return err(EINVAL);
    return recv_stream(data, flags);
  }
  if (type() == abi::kSockSeqpacket && state_ != State::Connected) return err(ENOTCONN);
  return recv_packet(data, flags);
}

Result<RecvResult> UnixSocket::recv_stream(MsgData& data, int flags) {
  const bool peek = (flags & abi::kMsgPeek) != 0;
  if (queue_msgs_.empty()) {
    if (error_) return err(take_error());
    if (shutdown_ & kRcvShutdown) return RecvResult{};
    return err(EAGAIN);
  }
  RecvResult r;
  uint64_t copied = 0;
  size_t i = 0;
  while (i < queue_msgs_.size()) {
    Message& m = queue_msgs_[i];
    const uint64_t avail = m.data.size() - m.off;
    const uint64_t chunk = std::min(avail, data.remaining());
    Result<void> put = data.put(std::span<const uint8_t>(m.data).subspan(m.off, chunk));
    if (!put.ok()) {
      if (copied > 0) break;
      return err(put.error());
    }
    if (copied == 0 && i == 0) {
      r.from = m.from;
      r.control.creds = m.control.creds;
    }
    copied += chunk;
    const bool had_rights = !m.control.rights.empty();
    if (had_rights) {
      if (peek) {
        r.control.rights = m.control.rights;
      } else {
        r.control.rights = std::move(m.control.rights);
        m.control.rights.clear();
      }
    }
    if (peek) {
      if (chunk < avail) break;
      ++i;
    } else {
      m.off += chunk;
      if (m.off < m.data.size()) break;
      consume_front();
    }
    if (had_rights || data.remaining() == 0) break;
  }
  r.len = copied;
  r.full_len = copied;
  return r;
}

Result<RecvResult> UnixSocket::recv_packet(MsgData& data, int flags) {
  if (error_) return err(take_error());
  if (queue_msgs_.empty()) {
    if (shutdown_ & kRcvShutdown) return RecvResult{};
    return err(EAGAIN);
  }
  Message& m = queue_msgs_.front();
  const uint64_t size = m.data.size();
  const uint64_t n = std::min(size, data.remaining());
  if (Result<void> put = data.put(std::span<const uint8_t>(m.data).first(n)); !put.ok()) {
    // The datagram was dequeued before the copy faulted: it is lost, as on Linux.
    if (!(flags & abi::kMsgPeek)) consume_front();
    return err(put.error());
  }
  RecvResult r;
  r.len = n;
  r.full_len = size;
  if (n < size) r.msg_flags |= abi::kMsgTrunc;
  r.from = m.from;
  if (flags & abi::kMsgPeek) {
    r.control = m.control;
  } else {
    r.control = std::move(m.control);
    consume_front();
  }
  return r;
}

}  // namespace lx
