#include "kernel/vfs/HostWatch.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

#include <cstring>

namespace lx {

namespace {

// What makes a cached "guest path -> directory" mapping wrong: the
// directory itself moved, went away or changed its permissions (search
// rights along a walk), or an entry in it was removed, renamed or renamed
// over. Creations cannot hide a directory we know, so they are not watched.
constexpr uint32_t kMask =
    IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_UNMOUNT | IN_ONLYDIR;

}  // namespace

HostWatch::HostWatch()
    : ino_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)), stop_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (ino_.get() < 0 || stop_.get() < 0) return;
  thread_ = std::thread([this] { run(); });
}

HostWatch::~HostWatch() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
}

int HostWatch::add(int dir_fd) {
  if (!ok()) return -1;
  // inotify_add_watch takes a path; our fd's /proc link names exactly the
  // directory (following that magic link is the point, so no IN_DONT_FOLLOW).
  return ::inotify_add_watch(ino_.get(), fd_proc_path(dir_fd).c_str(), kMask);
}

void HostWatch::remove(int wd) {
  if (wd >= 0) ::inotify_rm_watch(ino_.get(), wd);
}

void HostWatch::run() {
  // Signals are for the threads that run guests, never for this one.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    struct pollfd p[2] = {{ino_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[1].revents) return;
    bool stale = false;
    for (;;) {
      ssize_t n = ::read(ino_.get(), buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        struct inotify_event ev;
        std::memcpy(&ev, buf + off, sizeof ev);
        // IN_IGNORED alone follows our own inotify_rm_watch: no news.
        if (ev.mask != IN_IGNORED) stale = true;
        off += static_cast<ssize_t>(sizeof ev + ev.len);
      }
    }
    if (stale) gen_.fetch_add(1, std::memory_order_acq_rel);
  }
}

}  // namespace lx
