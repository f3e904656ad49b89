#include "kernel/net/Cmsg.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernel/Task.h"
#include "kernel/net/SocketAbi.h"

namespace lx {

namespace {

// The sender's own credentials, which SCM_CREDENTIALS defaults to.
abi::Ucred own_creds(Task& t) {
  return abi::Ucred{t.tg().pid(), t.tg().uid, t.tg().gid};
}

// scm_check_creds: a sender may name its own pid and any of its uids/gids;
// CAP_SYS_ADMIN / CAP_SETUID / CAP_SETGID (euid 0 here) lift that.
Result<void> check_creds(Task& t, const abi::Ucred& c) {
  const ThreadGroup& g = t.tg();
  const bool root = g.euid == 0;
  if (c.pid != g.pid() && !root) return err(EPERM);
  if (c.uid != g.uid && c.uid != g.euid && c.uid != g.suid && !root) return err(EPERM);
  if (c.gid != g.gid && c.gid != g.egid && c.gid != g.sgid && !root) return err(EPERM);
  return {};
}

}  // namespace

Result<MsgControl> parse_control(Task& t, std::span<const uint8_t> buf) {
  MsgControl out;
  out.creds = own_creds(t);
  uint64_t off = 0;
  // for_each_cmsghdr: a header must fit in what is left, and so must its
  // cmsg_len; the next header starts at the aligned end.
  while (buf.size() - off >= sizeof(abi::Cmsghdr)) {
    abi::Cmsghdr h{};
    std::memcpy(&h, buf.data() + off, sizeof h);
    if (h.cmsg_len < sizeof h || h.cmsg_len > buf.size() - off) return err(EINVAL);
    const uint64_t data_len = h.cmsg_len - abi::cmsg_align(sizeof h);
    const uint8_t* data = buf.data() + off + sizeof h;
    if (h.cmsg_level == abi::kSolSocket) {
      switch (h.cmsg_type) {
        case abi::kScmRights: {
          const uint64_t n = data_len / sizeof(int);
          if (n == 0) break;
          if (n > static_cast<uint64_t>(abi::kScmMaxFd) ||
              out.rights.size() + n > static_cast<uint64_t>(abi::kScmMaxFd))
            return err(EINVAL);
          for (uint64_t i = 0; i < n; ++i) {
            int fd = 0;
            std::memcpy(&fd, data + i * sizeof fd, sizeof fd);
            out.rights.push_back(TRY(t.fds().get(fd)));
          }
          break;
        }
        case abi::kScmCredentials: {
          if (h.cmsg_len != abi::cmsg_len(sizeof(abi::Ucred))) return err(EINVAL);
          abi::Ucred c{};
          std::memcpy(&c, data, sizeof c);
          TRY(check_creds(t, c));
          out.creds = c;
          break;
        }
        default:
          return err(EINVAL);
      }
    }
    const uint64_t step = abi::cmsg_align(h.cmsg_len);
    if (step >= buf.size() - off) break;
    off += step;
  }
  return out;
}

namespace {

// put_cmsg: one message into the guest buffer at *addr/*left; a short
// buffer truncates it (MSG_CTRUNC). Returns false when nothing fits.
Result<void> put_cmsg(Task& t, uint64_t& addr, uint64_t& left, int type, std::span<const uint8_t> data,
                      int& msg_flags) {
  if (left < sizeof(abi::Cmsghdr)) {
    msg_flags |= abi::kMsgCtrunc;
    return {};
  }
  uint64_t cmlen = abi::cmsg_len(data.size());
  if (left < cmlen) {
    msg_flags |= abi::kMsgCtrunc;
    cmlen = left;
  }
  const abi::Cmsghdr h{abi::cmsg_len(data.size()), abi::kSolSocket, type};
  std::vector<uint8_t> bytes(cmlen);
  std::memcpy(bytes.data(), &h, sizeof h);
  std::memcpy(bytes.data() + sizeof h, data.data(), cmlen - sizeof h);
  TRY(t.mem().copy_out(addr, bytes.data(), cmlen));
  const uint64_t step = std::min(abi::cmsg_space(data.size()), left);
  addr += step;
  left -= step;
  return {};
}

}  // namespace

Result<uint64_t> deliver_control(Task& t, uint64_t ctl_addr, uint64_t ctl_len, MsgControl& control, bool want_creds,
                                 int recv_flags, int& msg_flags) {
  uint64_t addr = ctl_addr;
  uint64_t left = ctl_addr ? ctl_len : 0;
  if (want_creds && control.creds) {
    const abi::Ucred c = *control.creds;
    TRY(put_cmsg(t, addr, left, abi::kScmCredentials,
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&c), sizeof c), msg_flags));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  }
  if (!control.rights.empty()) {
    // scm_detach_fds: as many descriptors as whole ints fit after the header.
    const uint64_t room = left > sizeof(abi::Cmsghdr) ? (left - sizeof(abi::Cmsghdr)) / sizeof(int) : 0;
    const uint64_t fit = std::min<uint64_t>(room, control.rights.size());
    const bool cloexec = (recv_flags & abi::kMsgCmsgCloexec) != 0;
    std::vector<int> fds;
    for (uint64_t i = 0; i < fit; ++i) {
      Result<int> fd = t.fds().install(control.rights[i], cloexec);
      if (!fd.ok()) break;
      fds.push_back(fd.value());
    }
    if (!fds.empty()) {
      const uint64_t bytes = fds.size() * sizeof(int);
      const abi::Cmsghdr h{abi::cmsg_len(bytes), abi::kSolSocket, abi::kScmRights};
      std::vector<uint8_t> buf(sizeof h + bytes);
      std::memcpy(buf.data(), &h, sizeof h);
      std::memcpy(buf.data() + sizeof h, fds.data(), bytes);
      Result<void> w = t.mem().copy_out(addr, buf.data(), buf.size());
      if (!w.ok()) {
        // Linux leaves installed fds behind on a fault; closing them is kinder and unobservable.
        for (int fd : fds) (void)t.fds().close(fd);
        return err(w.error());
      }
      const uint64_t step = std::min(abi::cmsg_space(bytes), left);
      addr += step;
      left -= step;
    }
    if (fds.size() < control.rights.size()) msg_flags |= abi::kMsgCtrunc;
    control.rights.clear();  // what did not fit is closed with the message
  }
  return addr - ctl_addr;
}

}  // namespace lx
