// Named pipes (fifo(7)): every opener of one FIFO inode shares one Pipe,
// found by the inode's (st_dev, st_ino) while any end is open; once the last
// end closes the pipe and its unread data go, as on Linux.
//
// Opening is split in two because only the syscall layer can sleep: the
// Vfs opens the end (counting it, so a waiting partner wakes) and applies
// the non-blocking rules; the open syscall then calls wait_fifo_partner()
// before installing the fd.
#pragma once

#include <map>
#include <memory>
#include <utility>

#include "kernel/base/Result.h"
#include "kernel/ipc/Pipe.h"
#include "kernel/vfs/Inode.h"

namespace lx {

class Task;

class FifoRegistry {
 public:
  // An end of the pipe behind `inode` (an S_IFIFO inode) for the guest's
  // open flags: ENXIO for O_WRONLY|O_NONBLOCK without a reader, EINVAL for
  // access mode 3. Permission checks are the caller's.
  Result<OpenFileRef> open(const InodeRef& inode, int flags, uint32_t uid, uint32_t gid);

 private:
  std::map<std::pair<uint64_t, uint64_t>, std::weak_ptr<Pipe>> pipes_;
};

// The blocking half of a FIFO open (no-op for any other file): O_RDONLY
// waits for a writer to open, O_WRONLY for a reader, unless one is there
// (or, for readers, O_NONBLOCK). Interrupted: kErestartsys (the caller
// drops the file, which uncounts the end).
Result<void> wait_fifo_partner(Task& task, OpenFile& file);

}  // namespace lx
