// Per-process state of Thread::socket_io / Process::import_fd on the Linux
// host (HostSocketIo.cpp): copies of provider sockets held by the guest's
// host process, the thread that closes them, and one scratch page per
// mailbox slot inside the stub arena where the msghdrs and iovec arrays of
// those host calls live (shared between the provider and that process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "kernel/base/Result.h"
#include "pico/linux/StubAbi.h"

namespace pico {

class LinuxProcess;
class LinuxThread;
class Process;

// In the arena, away from the stub image, the control block and the
// alternate stacks (the guest can never map there).
constexpr uint64_t kSocketIoScratchAddr = LX_ARENA_BASE + 0x38000000ULL;
constexpr uint64_t kSocketIoPageSize = 4096;
constexpr uint64_t kSocketIoScratchSize = LX_MAX_THREADS * kSocketIoPageSize;
static_assert(kSocketIoScratchAddr >= LX_ALTSTACK_BASE + LX_MAX_THREADS * LX_ALTSTACK_SIZE);
static_assert(kSocketIoScratchAddr >= LX_CTL_ADDR + LX_CTL_SIZE);
static_assert(kSocketIoScratchAddr + kSocketIoScratchSize <= LX_ARENA_BASE + LX_ARENA_SIZE);

// Owned by a LinuxProcess. The guest can write the scratch pages (same
// address space): what the provider reads back from them is untrusted and
// can only misdirect host calls inside the guest's own process. The
// guest-side mapping is MADV_DONTFORK, so a fork child never shares its
// parent's pages; the child closes the copies it inherited (after_fork).
class SocketIoState {
 public:
  SocketIoState() = default;
  ~SocketIoState();
  SocketIoState(const SocketIoState&) = delete;
  SocketIoState& operator=(const SocketIoState&) = delete;

  // The provider's view of t's scratch page; maps the scratch into t's
  // process (t is stopped) the first time.
  lx::Result<uint8_t*> page(LinuxThread& t);
  static uint64_t guest_page(size_t slot) { return kSocketIoScratchAddr + slot * kSocketIoPageSize; }

  // Process::import_fd and close_imported of the owning process.
  lx::Result<int> import_fd(LinuxProcess& proc, LinuxThread& via, int host_fd);
  void close_imported(int fd);
  // Called by the forking thread with the new child: closes in the child
  // the copies it inherited (the child's Process::import_fd starts afresh).
  void after_fork(Process& child);
  // Held by the forking thread across the fork, so no import lands in
  // between (and is inherited unnoticed).
  std::mutex& mu() { return mu_; }

 private:
  lx::Result<uint8_t*> page_locked(LinuxThread& t);

  std::mutex mu_;           // everything below
  uint8_t* map_ = nullptr;  // provider mapping of the scratch memfd
  bool map_failed_ = false;  // setup failed once: don't retry on every call
  // Never runs guest code: closes copies when no other thread of the
  // process is stopped (the provider drops a socket at any time).
  LinuxThread* closer_ = nullptr;
  std::vector<int> imported_;  // fds the guest process holds for us
};

}  // namespace pico
