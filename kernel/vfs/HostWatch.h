// Host-side change notification for hostfs directories the kernel caches
// (DirCache.h): an inotify instance whose watches cover every cached
// directory, and a thread that turns any event into a generation bump. The
// thread only touches the inotify fd and one atomic, so the cache itself
// stays under its owner's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "kernel/vfs/HostFd.h"

namespace lx {

class HostWatch {
 public:
  HostWatch();
  ~HostWatch();
  HostWatch(const HostWatch&) = delete;
  HostWatch& operator=(const HostWatch&) = delete;

  // False when the host has no inotify (or no watches left): nothing may
  // then be cached, since nothing would tell us it went stale.
  bool ok() const { return ino_.get() >= 0 && thread_.joinable(); }
  // Watches the directory behind one of our O_PATH fds; the watch
  // descriptor, or -1.
  int add(int dir_fd);
  void remove(int wd);
  // Bumped for every host event on a watched directory (and queue overflow).
  uint64_t generation() const { return gen_.load(std::memory_order_acquire); }

 private:
  void run();

  HostFd ino_;
  HostFd stop_;  // eventfd: ends the thread
  std::atomic<uint64_t> gen_{0};
  std::thread thread_;
};

}  // namespace lx
