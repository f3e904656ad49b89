// devpts: the filesystem on /dev/pts that lists the live pty slaves as
// character devices 136:N (owned by the master's opener, mode 0620) and
// ptmx (5:2, mode 0666), and the table of pty pairs behind it. Opening
// either kind of node goes through the DeviceRegistry (TtyDevices.h), never
// through the inodes here.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "kernel/base/Result.h"
#include "kernel/tty/Pty.h"
#include "kernel/vfs/Inode.h"

namespace lx {

constexpr int64_t kDevptsMagic = 0x1cd1;

// The pty pairs of one devpts instance, by index. An index is in use while
// its master is open (the slave's node exists exactly as long).
class PtyTable {
 public:
  // A new pair at the lowest free index; ENOSPC when all are taken.
  Result<PtyRef> create(uint32_t uid, uint32_t gid);
  // The pair at `index` if its master is open, else null.
  PtyRef find(int index);
  // Live pairs in index order.
  std::vector<PtyRef> live();

 private:
  std::map<int, std::weak_ptr<Pty>> ptys_;
};

// The root directory of a new devpts instance over `table`.
InodeRef make_devpts(std::shared_ptr<PtyTable> table);

}  // namespace lx
