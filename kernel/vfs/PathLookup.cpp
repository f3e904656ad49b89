#include "kernel/vfs/PathLookup.h"

#include "kernel/Task.h"
#include "kernel/abi/Linux.h"

namespace lx {

Result<std::string> read_guest_path(Task& task, uint64_t addr) {
  return task.mem().read_string(addr, abi::kPathMax - 1);
}

Result<std::string> at_base(Task& task, int dirfd, const std::string& path) {
  if (!path.empty() && path.front() == '/') return std::string("/");
  if (dirfd == abi::kAtFdCwd) return task.tg().cwd;
  OpenFileRef dir = TRY(task.fds().get(dirfd));
  if (!dir->is_directory()) return err(ENOTDIR);
  return dir->guest_path();
}

}  // namespace lx
