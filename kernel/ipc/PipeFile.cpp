#include "kernel/ipc/PipeFile.h"

#include "kernel/Task.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

bool reads(int flags) { return (flags & abi::kOAccmode) == abi::kORdonly || (flags & abi::kOAccmode) == abi::kORdwr; }
bool writes(int flags) { return (flags & abi::kOAccmode) == abi::kOWronly || (flags & abi::kOAccmode) == abi::kORdwr; }

}  // namespace

PipeFile::PipeFile(std::shared_ptr<Pipe> pipe, int flags, InodeRef fifo, uint64_t hup_after)
    : pipe_(std::move(pipe)), fifo_(std::move(fifo)), reader_(reads(flags)), writer_(writes(flags)),
      hup_after_(hup_after) {
  set_status_flags(flags);
  pipe_->attach(reader_, writer_);
}

PipeFile::~PipeFile() { pipe_->detach(reader_, writer_); }

Result<uint64_t> PipeFile::read(std::span<uint8_t> buf) { return pipe_->read(buf); }

// O_DIRECT on the writing description makes packets (pipe2(2)); F_SETFL may
// turn it on and off later.
Result<uint64_t> PipeFile::write(std::span<const uint8_t> buf) {
  return pipe_->write(buf, (status_flags() & abi::kODirect) != 0);
}

Result<abi::Stat> PipeFile::stat() {
  if (fifo_) return fifo_->stat();
  return pipe_->stat();
}

Result<abi::StatFs> PipeFile::statfs() {
  if (fifo_) return fifo_->statfs();
  abi::StatFs s{};
  s.f_type = 0x50495045;  // PIPEFS_MAGIC
  s.f_bsize = static_cast<int64_t>(kPipePage);
  s.f_namelen = 255;
  s.f_frsize = static_cast<int64_t>(kPipePage);
  return s;
}

std::pair<uint64_t, uint64_t> PipeFile::file_id() {
  Result<abi::Stat> st = stat();
  if (!st.ok()) return {0, 0};
  return {st.value().st_dev, st.value().st_ino};
}

Result<long> PipeFile::ioctl(Task& task, unsigned cmd, uint64_t arg) {
  if (cmd != abi::kFionread) return err(ENOTTY);
  const int n = static_cast<int>(pipe_->bytes());
  TRY(task.mem().write(UserPtr<int>{arg}, n));
  return 0;
}

PipeFile* as_pipe(OpenFile& f) { return dynamic_cast<PipeFile*>(&f); }

std::pair<OpenFileRef, OpenFileRef> make_pipe(int flags, uint32_t uid, uint32_t gid) {
  auto pipe = std::make_shared<Pipe>(uid, gid);
  const int extra = flags & (abi::kONonblock | abi::kODirect);
  auto r = std::make_shared<PipeFile>(pipe, abi::kORdonly | extra);
  auto w = std::make_shared<PipeFile>(pipe, abi::kOWronly | extra);
  return {std::move(r), std::move(w)};
}

}  // namespace lx
