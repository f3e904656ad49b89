// An eventfd (eventfd(2)): a 64-bit counter that writes add to and reads
// drain (or, with EFD_SEMAPHORE, decrement by one). Guarded by the big lock;
// never sleeps itself: read/write fail EAGAIN and vfs/FileWait sleeps on
// queue() for blocking descriptions.
#pragma once

#include <cstdint>

#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

constexpr int kEfdSemaphore = 1;

class EventFd final : public OpenFile {
 public:
  EventFd(uint64_t initial, bool semaphore, int status_flags);

  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<uint64_t> write(std::span<const uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  unsigned poll_events() override;
  WaitQueue* wait_queue() override { return &queue_; }

 private:
  uint64_t count_;
  bool semaphore_;
  WaitQueue queue_;
};

}  // namespace lx
