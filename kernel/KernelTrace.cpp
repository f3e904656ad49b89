#include "kernel/Kernel.h"

namespace lx {

// Replaced by the strace-format renderer (kernel/trace).
void Kernel::trace_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long result) {
  (void)task;
  (void)args;
  std::fprintf(config_.trace, "syscall_%llu(...) = %ld\n", static_cast<unsigned long long>(nr), result);
}

}  // namespace lx
