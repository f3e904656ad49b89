#include "kernel/Kernel.h"
#include "kernel/trace/Trace.h"

namespace lx {

void Kernel::trace_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long result) {
  std::string line = format_syscall(SyscallTable::instance().find(nr), nr, args, result, task.mem());
  std::fprintf(config_.trace, "%s\n", line.c_str());
}

}  // namespace lx
