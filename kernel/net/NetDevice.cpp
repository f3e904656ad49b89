#include "kernel/net/NetDevice.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"

namespace lx {

namespace {

// Interface queries (SIOCGIF*) read the interfaces of the instance's
// network (the host's, or its own loopback under --net=none); struct ifreq
// holds no pointers. The SIOCSIF* setters would change the host and are
// refused as for an unprivileged user.
bool is_interface_query(unsigned cmd) {
  switch (cmd) {
    case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCGIFADDR: case SIOCGIFDSTADDR: case SIOCGIFBRDADDR:
    case SIOCGIFNETMASK: case SIOCGIFMETRIC: case SIOCGIFMTU: case SIOCGIFHWADDR: case SIOCGIFINDEX:
    case SIOCGIFTXQLEN: case SIOCGIFMAP:
      return true;
    default: return false;
  }
}

bool is_interface_change(unsigned cmd) { return cmd >= 0x8900 && cmd < 0x8990 && !is_interface_query(cmd); }

// SIOCGIFCONF: struct ifconf points at a guest buffer, filled through a
// provider one (at most 64 KiB, far more than any host has interfaces).
Result<long> interface_list(Task& task, int fd, uint64_t arg) {
  struct GuestIfconf {
    int32_t len;
    uint32_t pad;
    uint64_t buf;
  };
  GuestIfconf gc = TRY(task.mem().read(UserPtr<GuestIfconf>{arg}));
  ifconf hc{};
  std::vector<char> buf;
  if (gc.buf != 0) {
    if (gc.len < 0) return err(EINVAL);
    buf.resize(std::min<size_t>(static_cast<size_t>(gc.len), 65536));
    hc.ifc_buf = buf.data();
  }
  hc.ifc_len = static_cast<int>(buf.size());
  if (::ioctl(fd, SIOCGIFCONF, &hc) < 0) return err(errno);
  if (gc.buf != 0) TRY(task.mem().copy_out(gc.buf, buf.data(), static_cast<uint64_t>(hc.ifc_len)));
  gc.len = hc.ifc_len;
  TRY(task.mem().write(UserPtr<GuestIfconf>{arg}, gc));
  return 0;
}

// A host socket of the instance's network for one query (Linux answers
// these on any socket; the instance's network may be private, so not one
// socket for the whole provider).
class QuerySocket {
 public:
  explicit QuerySocket(Task& task) {
    auto fd = task.kernel().host().open_socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    fd_ = fd.ok() ? fd.value() : -1;
  }
  ~QuerySocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  QuerySocket(const QuerySocket&) = delete;
  QuerySocket& operator=(const QuerySocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool is_netdev_ioctl(unsigned cmd) {
  return is_interface_query(cmd) || cmd == SIOCGIFCONF || is_interface_change(cmd);
}

Result<long> netdev_ioctl(Task& task, unsigned cmd, uint64_t arg, int host_fd) {
  if (is_interface_change(cmd)) return err(EPERM);
  std::optional<QuerySocket> own;
  const int fd = host_fd >= 0 ? host_fd : own.emplace(task).fd();
  if (fd < 0) return err(ENOTTY);
  if (cmd == SIOCGIFCONF) return interface_list(task, fd, arg);
  ifreq r{};
  static_assert(sizeof r == 40);
  TRY(task.mem().copy_in(arg, &r, sizeof r));
  if (::ioctl(fd, cmd, &r) < 0) return err(errno);
  TRY(task.mem().copy_out(arg, &r, sizeof r));
  return 0;
}

}  // namespace lx
