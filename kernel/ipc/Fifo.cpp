#include "kernel/ipc/Fifo.h"

#include "kernel/ipc/PipeFile.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

Result<OpenFileRef> FifoRegistry::open(const InodeRef& inode, int flags, uint32_t uid, uint32_t gid) {
  const int acc = flags & abi::kOAccmode;
  if (acc == abi::kOAccmode) return err(EINVAL);
  abi::Stat st = TRY(inode->stat());
  // Forget pipes whose every end has closed.
  std::erase_if(pipes_, [](const auto& kv) { return kv.second.expired(); });
  std::weak_ptr<Pipe>& entry = pipes_[{st.st_dev, st.st_ino}];
  std::shared_ptr<Pipe> pipe = entry.lock();
  if (!pipe) {
    pipe = std::make_shared<Pipe>(uid, gid);
    entry = pipe;
  }
  const bool nonblock = flags & abi::kONonblock;
  if (acc == abi::kOWronly && nonblock && pipe->readers() == 0) return err(ENXIO);
  // A non-blocking reader that finds no writer must not see POLLHUP until
  // a writer has come and gone.
  const uint64_t hup_after = acc == abi::kORdonly && nonblock && pipe->writers() == 0 ? pipe->writer_opens() : 0;
  return OpenFileRef(std::make_shared<PipeFile>(std::move(pipe), flags, inode, hup_after));
}

Result<void> wait_fifo_partner(Task& task, OpenFile& file) {
  PipeFile* end = as_pipe(file);
  if (!end || !end->is_fifo() || (end->reader() && end->writer())) return {};
  Pipe& pipe = end->pipe();
  if (end->reader()) {
    if ((file.status_flags() & abi::kONonblock) || pipe.writers() > 0) return {};
    // Any writer opening since is enough, even one that closed again.
    const uint64_t seen = pipe.writer_opens();
    WaitQueue* q = &pipe.queue();
    return wait_until(task, {&q, 1}, {}, [&] { return pipe.writer_opens() != seen; });
  }
  if (pipe.readers() > 0) return {};
  const uint64_t seen = pipe.reader_opens();
  WaitQueue* q = &pipe.queue();
  return wait_until(task, {&q, 1}, {}, [&] { return pipe.reader_opens() != seen; });
}

}  // namespace lx
