// A kernel pipe (pipe(7)): a ring of page-sized buffers shared by the open
// files of its read and write ends (pipe(2), or every opener of one FIFO).
//
// The model is Linux's, because programs observe it: capacity is a number of
// page slots (16 by default, F_SETPIPE_SZ changes it), a write whose length
// is not a page multiple first tops up the last buffer when that fits (so
// small writes pack), the rest goes one page per slot. A write of at most
// PIPE_BUF bytes therefore lands in one buffer: it is atomic, and it cannot
// start before there is room for all of it. O_DIRECT writers make packets
// (one buffer each, read one per read(2)).
//
// Nothing here blocks: operations that would wait fail with EAGAIN and the
// generic I/O layer (vfs/FileWait.h) sleeps on queue() until poll() changes.
// All state is guarded by the kernel's big lock.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

constexpr uint64_t kPipeBuf = 4096;   // PIPE_BUF: writes up to this size are atomic
constexpr uint64_t kPipePage = 4096;  // one buffer slot
constexpr unsigned kPipeDefaultSlots = 16;
// /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask.
constexpr uint64_t kPipeMaxSize = uint64_t{1} << 20;

class Pipe {
 public:
  // uid/gid own the pipefs inode fstat shows for an anonymous pipe.
  Pipe(uint32_t uid, uint32_t gid);
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // EAGAIN when empty while a writer exists; 0 (end of file) when empty
  // and writerless. Drains buffers in order; a packet is read whole or its
  // excess is discarded, and ends the read.
  Result<uint64_t> read(std::span<uint8_t> out);
  // EPIPE without readers (the caller raises SIGPIPE); EAGAIN when nothing
  // could be written (a write <= PIPE_BUF needs room for all of it);
  // otherwise the bytes written, possibly fewer than asked.
  Result<uint64_t> write(std::span<const uint8_t> data, bool packet);

  // POLL* bits for an end with these roles. hup_after: the write-open count
  // a FIFO reader saw when it opened without a writer (0 otherwise); a
  // reader hears POLLHUP only once a writer has come and gone since.
  unsigned poll(bool reader, bool writer, uint64_t hup_after) const;
  WaitQueue& queue() { return queue_; }

  uint64_t bytes() const;  // FIONREAD
  uint64_t capacity() const { return slots_ * kPipePage; }
  // F_SETPIPE_SZ: rounds up to a power-of-two number of pages; EINVAL above
  // 2^31, EPERM above kPipeMaxSize unless privileged, EBUSY when the data
  // occupies more buffers than the new size has. Returns the new capacity.
  Result<uint64_t> set_capacity(uint64_t size, bool privileged);

  // Open ends. Opening counts the end and wakes anyone waiting for a
  // partner (FIFO opens); closing the last reader/writer wakes everyone.
  void attach(bool reader, bool writer);
  void detach(bool reader, bool writer);
  int readers() const { return readers_; }
  int writers() const { return writers_; }
  // How many read/write ends were ever opened (fifo_open's r/w_counter).
  uint64_t reader_opens() const { return reader_opens_; }
  uint64_t writer_opens() const { return writer_opens_; }

  // fstat of an anonymous pipe: a pipefs inode.
  abi::Stat stat() const;

 private:
  struct Buffer {
    std::unique_ptr<std::array<uint8_t, kPipePage>> page;
    uint32_t offset = 0;
    uint32_t len = 0;
    bool packet = false;
  };
  bool full() const { return bufs_.size() >= slots_; }

  std::deque<Buffer> bufs_;
  uint64_t slots_ = kPipeDefaultSlots;
  int readers_ = 0;
  int writers_ = 0;
  uint64_t reader_opens_ = 0;
  uint64_t writer_opens_ = 0;
  WaitQueue queue_;

  uint64_t ino_;
  uint32_t uid_, gid_;
  abi::Timespec atime_, mtime_, ctime_;
};

}  // namespace lx
