// The open file description of one end of a Pipe: an anonymous pipe's read
// or write end (pipe(2)), or a FIFO opened by name (then fstat and the other
// inode operations are the filesystem inode's).
#pragma once

#include <memory>
#include <utility>

#include "kernel/ipc/Pipe.h"
#include "kernel/vfs/Inode.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class PipeFile final : public OpenFile {
 public:
  // flags: the guest's open flags (access mode decides the end's roles).
  // fifo: the named inode, null for pipe(2). hup_after: see Pipe::poll.
  PipeFile(std::shared_ptr<Pipe> pipe, int flags, InodeRef fifo = nullptr, uint64_t hup_after = 0);
  ~PipeFile() override;
  PipeFile(const PipeFile&) = delete;
  PipeFile& operator=(const PipeFile&) = delete;

  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<uint64_t> write(std::span<const uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override;
  std::pair<uint64_t, uint64_t> file_id() override;
  Result<abi::StatFs> statfs() override;

  unsigned poll_events() override { return pipe_->poll(reader_, writer_, hup_after_); }
  WaitQueue* wait_queue() override { return &pipe_->queue(); }

  Pipe& pipe() { return *pipe_; }
  bool is_fifo() const { return fifo_ != nullptr; }
  bool reader() const { return reader_; }
  bool writer() const { return writer_; }

 private:
  std::shared_ptr<Pipe> pipe_;
  InodeRef fifo_;
  bool reader_;
  bool writer_;
  uint64_t hup_after_;
};

// The pipe end behind an open file, or null if it is not one.
PipeFile* as_pipe(OpenFile& f);

// A new anonymous pipe: {read end, write end}. flags: pipe2's O_NONBLOCK /
// O_DIRECT (status flags of both ends). uid/gid own its pipefs inode.
std::pair<OpenFileRef, OpenFileRef> make_pipe(int flags, uint32_t uid, uint32_t gid);

}  // namespace lx
