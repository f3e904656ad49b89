#include "pico/linux/LentSockets.h"

#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>

#include "pico/linux/LinuxProcess.h"

namespace pico {

lx::Result<int> LentSockets::lend(LinuxProcess& proc, LinuxThread& via, int host_fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!closer_) {
    // A thread that never runs guest code: it waits for commands forever.
    Result<Thread*> c = via.create_thread();
    if (!c.ok()) return lx::err(ENOSYS);
    closer_ = static_cast<LinuxThread*>(c.value());
  }
  long fd = -1;
  {
    std::lock_guard<std::mutex> map_lock(proc.map_mu());
    TRY(proc.send_fd(host_fd));
    // The stub receives with MSG_DONTWAIT: if a guest thread that jumped
    // into stub code took the fd first, this fails instead of blocking.
    Result<long> r = via.call(LX_CMD_RECV_FD);
    if (!r.ok()) return lx::err(ENOSYS);
    fd = r.value();
  }
  // The number comes from guest-writable memory: it can only misdirect
  // I/O inside the guest's own process.
  if (fd < 0 || fd > (1 << 20) || fd == LX_CTL_FD || fd == LX_MAP_FD) return lx::err(ENOSYS);
  lent_.push_back(static_cast<int>(fd));
  return static_cast<int>(fd);
}

void LentSockets::reclaim(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(lent_.begin(), lent_.end(), fd);
  if (it == lent_.end()) return;
  lent_.erase(it);
  // Fails only when the process is gone, and its fds with it.
  if (closer_) (void)closer_->host_syscall(SYS_close, fd);
}

void LentSockets::after_fork(Process& child) {
  auto& t = static_cast<LinuxThread&>(child.main_thread());
  for (int fd : lent_) (void)t.host_syscall(SYS_close, fd);
}

}  // namespace pico
