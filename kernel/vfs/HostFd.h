// RAII owner of a provider-side host fd, and small helpers for host calls
// the filesystems share.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "kernel/base/Result.h"

namespace lx {

class HostFd {
 public:
  HostFd() = default;
  explicit HostFd(int fd) : fd_(fd) {}
  ~HostFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostFd(HostFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  HostFd& operator=(HostFd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// Host calls are restarted after a signal meant for the provider: the guest
// never asked to be interrupted.
template <typename F>
auto retry_eintr(F f) {
  for (;;) {
    auto rc = f();
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

// Turns a host call's -1/errno into a Result<void>.
inline Result<void> host_void(long rc) {
  if (rc < 0) return err(errno);
  return {};
}

// The /proc path that reopens or names the inode behind one of our own fds
// (built from our fd number, never from guest input).
inline std::string fd_proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace lx
