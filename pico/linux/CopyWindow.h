// The copies that ride along with one trapped syscall of one guest thread
// (StubAbi.h, "in-area" and "out-area"): the provider reads prefetched
// arguments from the in-area and queues the syscall's guest-memory writes in
// the out-area, which the stub applies when it resumes the guest. Each saves
// a process_vm_readv/writev, which costs more than the trap on small VMs.
//
// Invariants:
// - A window is open only between a syscall event and the next command to
//   the stub. Any other command (host syscalls, map, fork, exit) first
//   flushes the queued writes with process_vm_writev (LinuxThread::call), so
//   the stub sees them in order and a thread that never resumes still has
//   its writes done.
// - Reads never see stale data: a read that overlaps a queued write flushes
//   the queue first and then reads guest memory directly.
// - Both areas are writable by the guest: record fields are copied and
//   bounds-checked before use; the data is the guest's own anyway.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "kernel/base/Result.h"
#include "pico/linux/StubAbi.h"

namespace pico {

class CopyWindow {
 public:
  explicit CopyWindow(lx_mailbox* mb);

  // A syscall event arrived: take the stub's prefetch records, queue nothing.
  void open();
  // Before LX_CMD_RESUME: publish the queued writes to the stub.
  void publish();
  bool is_open() const { return open_; }

  // True if [addr, addr+len) was served from the prefetched records.
  bool read(uint64_t addr, void* dst, size_t len) const;
  // Bytes served for a partial (string) read, 0 if not covered.
  size_t read_partial(uint64_t addr, void* dst, size_t len) const;
  // Queues a write; false if it does not fit (the caller writes directly).
  bool queue_write(uint64_t addr, const void* src, size_t len);
  bool overlaps_queued(uint64_t addr, size_t len) const;
  bool has_queued() const { return out_count_ != 0; }
  // Performs the queued writes now, into host process `pid`.
  lx::Result<void> flush(pid_t pid);

 private:
  void reset(bool open);
  // A record copied out of shared memory and validated against the area.
  const lx_copy_rec* find_in(uint64_t addr) const;
  char* in_base() const;
  char* out_base() const;

  lx_mailbox* mb_;
  bool open_ = false;
  uint32_t in_count_ = 0;
  lx_copy_rec in_[LX_IN_MAX_RECS] = {};
  uint32_t out_count_ = 0;
  uint32_t out_used_ = 0;  // data bytes after LX_COPY_DATA_OFFSET
  lx_copy_rec out_[LX_OUT_MAX_RECS] = {};
};

}  // namespace pico
