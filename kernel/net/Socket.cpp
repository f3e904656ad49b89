#include "kernel/net/Socket.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "kernel/CurrentTask.h"
#include "kernel/Task.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

// sockfs inode numbers, as get_next_ino() hands them out.
std::atomic<uint64_t> next_sock_ino{1 << 21};

constexpr int kBoolOpts[] = {abi::kSoDebug,     abi::kSoReuseaddr, abi::kSoDontroute, abi::kSoBroadcast,
                             abi::kSoKeepalive, abi::kSoOobinline, abi::kSoReuseport};

bool is_bool_opt(int name) { return std::find(std::begin(kBoolOpts), std::end(kBoolOpts), name) != std::end(kBoolOpts); }

std::vector<uint8_t> int_bytes(int v) {
  std::vector<uint8_t> out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

struct GuestTimeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

std::vector<uint8_t> timeval_bytes(std::chrono::nanoseconds d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  const GuestTimeval tv{us / 1000000, us % 1000000};
  std::vector<uint8_t> out(sizeof tv);
  std::memcpy(out.data(), &tv, sizeof tv);
  return out;
}

// sock_set_timeout(): EDOM for a bad usec; negative seconds mean "at once";
// zero means "never".
Result<std::chrono::nanoseconds> parse_timeout(std::span<const uint8_t> val) {
  GuestTimeval tv{};
  if (val.size() < sizeof tv) return err(EINVAL);
  std::memcpy(&tv, val.data(), sizeof tv);
  if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return err(EDOM);
  if (tv.tv_sec < 0) return std::chrono::nanoseconds(1);
  // Beyond ~292 years a nanosecond count overflows: treat as never.
  if (tv.tv_sec > (int64_t{1} << 32)) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
}

// SO_SNDBUF/SO_RCVBUF: the request is capped at the sysctl maximum (as an
// unsigned, so negatives are huge) and doubled for bookkeeping overhead.
int buffer_size(int requested, int max, int min) {
  const uint32_t capped = std::min(static_cast<uint32_t>(requested), static_cast<uint32_t>(max));
  return std::max(static_cast<int>(capped) * 2, min);
}

}  // namespace

SockAddr SockAddr::from(std::span<const uint8_t> b) {
  SockAddr a;
  a.len = static_cast<uint32_t>(std::min<size_t>(b.size(), a.bytes.size()));
  std::memcpy(a.bytes.data(), b.data(), a.len);
  return a;
}

// ---- MsgData ----------------------------------------------------------------------

MsgData::MsgData(const GuestMemory& mem, std::vector<abi::Iovec> iov) : mem_(&mem), iov_(std::move(iov)) {
  for (const abi::Iovec& v : iov_) total_ += v.len;
}

MsgData::MsgData(std::span<uint8_t> kernel_out) : kbuf_(kernel_out.data()), total_(kernel_out.size()) {}

MsgData::MsgData(std::span<const uint8_t> kernel_in)
    // The buffer is only read through take(); put() is never called on it.
    : kbuf_(const_cast<uint8_t*>(kernel_in.data())), total_(kernel_in.size()) {}  // NOLINT(cppcoreguidelines-pro-type-const-cast)

template <typename Fn>
Result<void> MsgData::walk(uint64_t n, Fn fn) {
  if (n > remaining()) return err(EFAULT);
  if (!mem_) {
    TRY(fn(uint64_t{0}, kbuf_ + done_, n, true));
    done_ += n;
    return {};
  }
  // Copy first, then move the cursor, so a fault leaves it untouched.
  size_t idx = idx_;
  uint64_t in = in_;
  uint64_t off = 0;
  while (off < n) {
    while (idx < iov_.size() && in == iov_[idx].len) {
      ++idx;
      in = 0;
    }
    if (idx >= iov_.size()) return err(EFAULT);
    const uint64_t chunk = std::min(n - off, iov_[idx].len - in);
    TRY(fn(iov_[idx].base + in, nullptr, chunk, false));
    off += chunk;
    in += chunk;
  }
  idx_ = idx;
  in_ = in;
  done_ += n;
  return {};
}

std::optional<abi::Iovec> MsgData::single_guest_buffer() const {
  if (!mem_) return std::nullopt;
  size_t idx = idx_;
  uint64_t in = in_;
  while (idx < iov_.size() && in == iov_[idx].len) {
    ++idx;
    in = 0;
  }
  if (idx >= iov_.size() || iov_[idx].len - in != remaining()) return std::nullopt;
  return abi::Iovec{iov_[idx].base + in, iov_[idx].len - in};
}

Result<void> MsgData::take(std::span<uint8_t> dst) {
  uint64_t pos = 0;
  return walk(dst.size(), [&](uint64_t guest, uint8_t* k, uint64_t len, bool kernel) -> Result<void> {
    if (kernel)
      std::memcpy(dst.data(), k, len);
    else
      TRY(mem_->copy_in(guest, dst.data() + pos, len));
    pos += len;
    return {};
  });
}

Result<void> MsgData::put(std::span<const uint8_t> src) {
  uint64_t pos = 0;
  return walk(src.size(), [&](uint64_t guest, uint8_t* k, uint64_t len, bool kernel) -> Result<void> {
    if (kernel)
      std::memcpy(k, src.data(), len);
    else
      TRY(mem_->copy_out(guest, src.data() + pos, len));
    pos += len;
    return {};
  });
}

// ---- Socket -----------------------------------------------------------------------

Socket::Socket(int family, int type, int protocol)
    : family_(family), type_(type), protocol_(protocol), ino_(next_sock_ino.fetch_add(1)) {
  set_status_flags(abi::kORdwr);
}

Result<uint64_t> Socket::read(std::span<uint8_t> buf) {
  Task* t = current_task();
  if (!t) return err(EINVAL);
  MsgData data(buf);
  RecvResult r = TRY(recvmsg(*t, data, 0));
  return r.len;  // passed fds are dropped (closed), as read(2) on Linux does
}

Result<uint64_t> Socket::write(std::span<const uint8_t> buf) {
  Task* t = current_task();
  if (!t) return err(EINVAL);
  MsgData data(buf);
  MsgControl none;
  return sendmsg(*t, data, 0, nullptr, none);
}

Result<abi::Stat> Socket::stat() {
  abi::Stat st{};
  st.st_dev = kSockfsDev;
  st.st_ino = ino_;
  st.st_nlink = 1;
  st.st_mode = abi::kSIfsock | 0777;
  st.st_uid = uid_;
  st.st_gid = gid_;
  st.st_blksize = 4096;
  return st;
}

Deadline Socket::recv_deadline() const {
  return rcvtimeo_.count() == 0 ? Deadline::never() : Deadline::in(rcvtimeo_);
}

Deadline Socket::send_deadline() const {
  return sndtimeo_.count() == 0 ? Deadline::never() : Deadline::in(sndtimeo_);
}

Result<std::vector<uint8_t>> Socket::getsockopt(Task& t, int level, int name) {
  (void)t;
  if (level != abi::kSolSocket) return err(EOPNOTSUPP);
  switch (name) {
    case abi::kSoType: return int_bytes(type_);
    case abi::kSoDomain: return int_bytes(family_);
    case abi::kSoProtocol: return int_bytes(protocol_);
    case abi::kSoError: return int_bytes(take_error());
    case abi::kSoSndbuf: return int_bytes(sndbuf_);
    case abi::kSoRcvbuf: return int_bytes(rcvbuf_);
    case abi::kSoPasscred: return int_bytes(passcred_ ? 1 : 0);
    case abi::kSoAcceptconn: return int_bytes(accepting_connections() ? 1 : 0);
    case abi::kSoRcvlowat:
    case abi::kSoSndlowat: return int_bytes(1);
    case abi::kSoPriority: return int_bytes(0);
    case abi::kSoRcvtimeo: return timeval_bytes(rcvtimeo_);
    case abi::kSoSndtimeo: return timeval_bytes(sndtimeo_);
    case abi::kSoLinger: return std::vector<uint8_t>(8, 0);
    case abi::kSoPeercred: {
      const abi::Ucred c = peer_cred();
      std::vector<uint8_t> out(sizeof c);
      std::memcpy(out.data(), &c, sizeof c);
      return out;
    }
    default:
      if (is_bool_opt(name)) return int_bytes(0);
      return err(ENOPROTOOPT);
  }
}

Result<void> Socket::setsockopt(Task& t, int level, int name, std::span<const uint8_t> val) {
  (void)t;
  if (level != abi::kSolSocket) return err(EOPNOTSUPP);
  if (val.size() < sizeof(int)) return err(EINVAL);
  int v = 0;
  std::memcpy(&v, val.data(), sizeof v);
  switch (name) {
    case abi::kSoSndbuf:
    case abi::kSoSndbufforce: sndbuf_ = buffer_size(v, abi::kWmemMax, abi::kSockMinSndbuf); return {};
    case abi::kSoRcvbuf:
    case abi::kSoRcvbufforce: rcvbuf_ = buffer_size(v, abi::kRmemMax, abi::kSockMinRcvbuf); return {};
    case abi::kSoPasscred: passcred_ = v != 0; return {};
    case abi::kSoRcvtimeo: rcvtimeo_ = TRY(parse_timeout(val)); return {};
    case abi::kSoSndtimeo: sndtimeo_ = TRY(parse_timeout(val)); return {};
    case abi::kSoType:
    case abi::kSoDomain:
    case abi::kSoProtocol:
    case abi::kSoError:
    case abi::kSoPeercred:
    case abi::kSoAcceptconn: return err(ENOPROTOOPT);
    case abi::kSoRcvlowat:
    case abi::kSoSndlowat:
    case abi::kSoPriority:
    case abi::kSoLinger: return {};
    default:
      if (is_bool_opt(name)) return {};  // accepted; no effect on these families
      return err(ENOPROTOOPT);
  }
}

Socket* as_socket(OpenFile& f) { return dynamic_cast<Socket*>(&f); }

}  // namespace lx
