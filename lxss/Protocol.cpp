#include "lxss/Protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace lx::lxss {

Writer::Writer(MsgKind kind) : buf_(4, '\0') { buf_.push_back(static_cast<char>(kind)); }

Writer& Writer::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return *this;
}

Writer& Writer::str(const std::string& s) {
  u32(static_cast<uint32_t>(s.size()));
  buf_ += s;
  return *this;
}

Writer& Writer::strs(const std::vector<std::string>& v) {
  u32(static_cast<uint32_t>(v.size()));
  for (const std::string& s : v) str(s);
  return *this;
}

const std::string& Writer::finish() {
  const auto len = static_cast<uint32_t>(buf_.size() - 4);
  for (int i = 0; i < 4; ++i) buf_[static_cast<size_t>(i)] = static_cast<char>((len >> (8 * i)) & 0xff);
  return buf_;
}

uint32_t Reader::u32() {
  if (!ok_ || buf_.size() - pos_ < 4) {
    ok_ = false;
    return 0;
  }
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(buf_[pos_++])) << (8 * i);
  return v;
}

std::string Reader::str() {
  const uint32_t n = u32();
  if (!ok_ || buf_.size() - pos_ < n) {
    ok_ = false;
    return {};
  }
  std::string s = buf_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::vector<std::string> Reader::strs() {
  const uint32_t n = u32();
  std::vector<std::string> v;
  // Each string takes at least its 4-byte length: a count beyond that is a lie.
  if (!ok_ || n > (buf_.size() - pos_) / 4) {
    ok_ = false;
    return v;
  }
  v.reserve(n);
  for (uint32_t i = 0; i < n && ok_; ++i) v.push_back(str());
  return v;
}

bool send_message(int sock, Writer& msg, const std::vector<int>& fds) {
  const std::string& buf = msg.finish();
  size_t done = 0;
  bool fds_sent = fds.empty();
  while (done < buf.size()) {
    iovec iov{const_cast<char*>(buf.data() + done), buf.size() - done};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    if (!fds_sent) {
      const size_t n = std::min<size_t>(fds.size(), kMaxFds);
      mh.msg_control = control;
      mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
      cmsghdr* c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * n);
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * n);
    }
    const ssize_t n = ::sendmsg(sock, &mh, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    fds_sent = true;
    done += static_cast<size_t>(n);
  }
  return true;
}

namespace {

// Reads exactly len bytes; fds from any segment are collected.
bool recv_exact(int sock, char* out, size_t len, std::vector<int>* fds) {
  size_t done = 0;
  while (done < len) {
    iovec iov{out + done, len - done};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = 0;
      return false;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        if (fds && fds->size() < kMaxFds) fds->push_back(fd);
        else ::close(fd);
      }
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<Reader> recv_message(int sock, std::vector<int>* fds) {
  unsigned char head[4];
  if (!recv_exact(sock, reinterpret_cast<char*>(head), 4, fds)) return std::nullopt;
  const uint32_t len = head[0] | (head[1] << 8) | (head[2] << 16) | (static_cast<uint32_t>(head[3]) << 24);
  if (len < 1 || len > kMaxMessage) {
    errno = EPROTO;
    return std::nullopt;
  }
  std::string body(len, '\0');
  if (!recv_exact(sock, body.data(), len, fds)) {
    if (errno == 0) errno = EPROTO;  // EOF inside a message
    return std::nullopt;
  }
  const auto kind = static_cast<MsgKind>(static_cast<unsigned char>(body[0]));
  return Reader(kind, body.substr(1));
}

Writer encode(const SessionRequest& r) {
  Writer w(MsgKind::RunSession);
  w.u32(kProtocolVersion).str(r.lx_home).str(r.name).str(r.rootfs).str(r.hostname).str(r.net).strs(r.mounts);
  w.strs(r.interop_mounts).strs(r.paths).str(r.root_host_dir);
  w.str(r.prog).strs(r.argv).strs(r.envp).str(r.cwd).u32(r.uid).u32(r.gid);
  w.u32(static_cast<uint32_t>(r.groups.size()));
  for (uint32_t g : r.groups) w.u32(g);
  return w;
}

std::optional<SessionRequest> decode_session(Reader& rd) {
  SessionRequest r;
  if (rd.u32() != kProtocolVersion) return std::nullopt;
  r.lx_home = rd.str();
  r.name = rd.str();
  r.rootfs = rd.str();
  r.hostname = rd.str();
  r.net = rd.str();
  r.mounts = rd.strs();
  r.interop_mounts = rd.strs();
  r.paths = rd.strs();
  r.root_host_dir = rd.str();
  r.prog = rd.str();
  r.argv = rd.strs();
  r.envp = rd.strs();
  r.cwd = rd.str();
  r.uid = rd.u32();
  r.gid = rd.u32();
  const uint32_t n = rd.u32();
  for (uint32_t i = 0; i < n && !rd.failed(); ++i) r.groups.push_back(rd.u32());
  if (!rd.ok() || r.argv.empty() || (r.net != "host" && r.net != "none") || r.prog.empty() || r.mounts.size() % 3 != 0 ||
      r.interop_mounts.size() % 2 != 0 || r.paths.size() % 2 != 0)
    return std::nullopt;
  return r;
}

}  // namespace lx::lxss
