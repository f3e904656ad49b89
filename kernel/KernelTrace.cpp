#include "kernel/Kernel.h"
#include "kernel/trace/Trace.h"

namespace lx {

void Kernel::trace_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long result) {
  std::string line = format_syscall(SyscallTable::instance().find(nr), nr, args, result, task.mem());
  // strace -f style: lines of tasks other than the first carry their tid.
  if (init_ && task.tid() != init_->pid())
    std::fprintf(config_.trace, "[pid %5d] %s\n", task.tid(), line.c_str());
  else
    std::fprintf(config_.trace, "%s\n", line.c_str());
}

}  // namespace lx
