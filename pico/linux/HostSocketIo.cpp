// Thread::socket_io and Process::import_fd on the Linux host: the guest's
// own host process makes the sendmsg/recvmsg on guest memory, so socket
// data is copied once (guest memory <-> socket) instead of twice through a
// provider buffer, in one LX_CMD_HOST_SYSCALL round trip.
//
// A provider socket reaches the guest process once (SCM_RIGHTS over
// LX_MAP_FD, under the map mutex like map_file's fds) and stays there until
// the provider drops the socket: close_imported then closes the copy
// through a thread of the process that never runs guest code (the closer),
// since the guest's own threads may all be running. A fork child inherits
// the copies and closes them right away (after_fork), so closing the guest
// socket still closes the connection.
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "pico/linux/LinuxProcess.h"
#include "pico/linux/SocketIoState.h"

namespace pico {
namespace {

// Buffers per call; the rest of a longer iovec goes in the caller's next call.
constexpr size_t kMaxIov = 128;

// One slot's scratch page; the pointers inside are guest-process addresses.
struct ScratchPage {
  msghdr fd_msg;  // receives a socket on LX_MAP_FD
  iovec fd_iov;
  char fd_byte;
  alignas(cmsghdr) char fd_control[CMSG_SPACE(2 * sizeof(int))];
  msghdr io_msg;  // a transfer
  iovec io_iov[kMaxIov];
};
static_assert(sizeof(ScratchPage) <= kSocketIoPageSize);

void* at(uint64_t addr) {
  return reinterpret_cast<void*>(addr);  // NOLINT(performance-no-int-to-ptr)
}

// The fd the stub received, read back from guest-writable memory: only
// plausibility is checked (a wrong number can only misdirect calls inside
// the guest's own process).
int received_fd(const ScratchPage& sp) {
  cmsghdr c{};
  std::memcpy(&c, sp.fd_control, sizeof c);
  if (c.cmsg_level != SOL_SOCKET || c.cmsg_type != SCM_RIGHTS || c.cmsg_len < CMSG_LEN(sizeof(int))) return -1;
  int fd = -1;
  std::memcpy(&fd, sp.fd_control + CMSG_LEN(0), sizeof fd);
  return fd >= 0 && fd != LX_CTL_FD && fd != LX_MAP_FD && fd < (1 << 20) ? fd : -1;
}

}  // namespace

SocketIoState::~SocketIoState() {
  if (map_) munmap(map_, kSocketIoScratchSize);
}

lx::Result<uint8_t*> SocketIoState::page(LinuxThread& t) {
  std::lock_guard<std::mutex> lock(mu_);
  return page_locked(t);
}

lx::Result<uint8_t*> SocketIoState::page_locked(LinuxThread& t) {
  if (!map_) {
    if (map_failed_) return lx::err(ENOSYS);
    map_failed_ = true;
    const int fd = memfd_create("lx-sockio", MFD_CLOEXEC);
    if (fd < 0) return lx::err(ENOSYS);
    void* m = MAP_FAILED;
    if (ftruncate(fd, kSocketIoScratchSize) == 0)
      m = mmap(nullptr, kSocketIoScratchSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const bool mapped = m != MAP_FAILED &&
                        t.map_file(kSocketIoScratchAddr, kSocketIoScratchSize, kProtRead | kProtWrite, true, fd, 0)
                            .ok() &&
                        t.host_syscall(SYS_madvise, static_cast<long>(kSocketIoScratchAddr),
                                       static_cast<long>(kSocketIoScratchSize), MADV_DONTFORK)
                            .ok();
    close(fd);
    if (!mapped) {
      if (m != MAP_FAILED) munmap(m, kSocketIoScratchSize);
      return lx::err(ENOSYS);
    }
    map_ = static_cast<uint8_t*>(m);
    map_failed_ = false;
  }
  return map_ + t.slot() * kSocketIoPageSize;
}

lx::Result<int> SocketIoState::import_fd(LinuxProcess& proc, LinuxThread& via, int host_fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!closer_) {
    Result<Thread*> c = via.create_thread();
    if (!c.ok()) return lx::err(ENOSYS);
    closer_ = static_cast<LinuxThread*>(c.value());
  }
  Result<uint8_t*> page = page_locked(via);
  if (!page.ok()) return lx::err(ENOSYS);
  auto* sp = reinterpret_cast<ScratchPage*>(page.value());
  const uint64_t g = guest_page(via.slot());
  std::lock_guard<std::mutex> map_lock(proc.map_mu());
  if (!proc.send_fd(host_fd).ok()) return lx::err(ENOSYS);
  std::memset(sp, 0, sizeof *sp);
  sp->fd_iov = {at(g + offsetof(ScratchPage, fd_byte)), 1};
  sp->fd_msg.msg_iov = static_cast<iovec*>(at(g + offsetof(ScratchPage, fd_iov)));
  sp->fd_msg.msg_iovlen = 1;
  sp->fd_msg.msg_control = at(g + offsetof(ScratchPage, fd_control));
  sp->fd_msg.msg_controllen = sizeof sp->fd_control;
  // MSG_DONTWAIT: if a guest thread that jumped into stub code took the fd
  // first, this fails instead of blocking, and the caller copies instead.
  if (!via.host_syscall(SYS_recvmsg, LX_MAP_FD, static_cast<long>(g + offsetof(ScratchPage, fd_msg)),
                        MSG_DONTWAIT | MSG_CMSG_CLOEXEC)
           .ok())
    return lx::err(ENOSYS);
  const int fd = received_fd(*sp);
  if (fd < 0) return lx::err(ENOSYS);
  imported_.push_back(fd);
  return fd;
}

void SocketIoState::close_imported(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(imported_.begin(), imported_.end(), fd);
  if (it == imported_.end()) return;
  imported_.erase(it);
  // Fails only when the process is gone, and its fds with it.
  if (closer_) (void)closer_->host_syscall(SYS_close, fd);
}

void SocketIoState::after_fork(Process& child) {
  // Called with mu_ held by the forking thread.
  for (int fd : imported_) (void)static_cast<LinuxThread&>(child.main_thread()).host_syscall(SYS_close, fd);
}

Result<int> LinuxProcess::import_fd(Thread& via, int host_fd) {
  auto& t = static_cast<LinuxThread&>(via);
  if (&t.proc_ != this) return lx::err(EINVAL);
  return socket_io_state_.import_fd(*this, t, host_fd);
}

void LinuxProcess::close_imported(int fd) { socket_io_state_.close_imported(fd); }

Result<uint64_t> LinuxThread::socket_io(int fd, bool send, std::span<const IoSpan> iov, int flags) {
  if (iov.empty() || !check_stopped().ok()) return lx::err(ENOSYS);
  Result<uint8_t*> page = proc_.socket_io_state().page(*this);
  if (!page.ok()) return lx::err(ENOSYS);
  auto* sp = reinterpret_cast<ScratchPage*>(page.value());
  const uint64_t g = SocketIoState::guest_page(slot_);
  const size_t n = std::min(iov.size(), kMaxIov);
  for (size_t i = 0; i < n; ++i) sp->io_iov[i] = {at(iov[i].base), iov[i].len};
  sp->io_msg = {};
  sp->io_msg.msg_iov = static_cast<iovec*>(at(g + offsetof(ScratchPage, io_iov)));
  sp->io_msg.msg_iovlen = n;
  const int host_flags = flags | MSG_DONTWAIT | (send ? MSG_NOSIGNAL : 0);
  Result<long> r = host_syscall(send ? SYS_sendmsg : SYS_recvmsg, fd,
                                static_cast<long>(g + offsetof(ScratchPage, io_msg)), host_flags);
  if (!r.ok()) {
    // Not our socket after all (the guest closed or replaced it from stub
    // code): nothing moved.
    if (r.error() == ENOTSOCK || r.error() == EBADF || r.error() == ENOSYS) return lx::err(ENOSYS);
    return lx::err(r.error());
  }
  return static_cast<uint64_t>(r.value());
}

}  // namespace pico
