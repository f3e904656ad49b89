#include "kernel/Kernel.h"

#include <seccomp.h>

#include <cstdlib>

#include "kernel/syscalls/Table.h"

namespace lx {

Kernel::Kernel(pico::Host& host, std::unique_ptr<Vfs> vfs, KernelConfig config)
    : host_(host), vfs_(std::move(vfs)), config_(std::move(config)) {}

Kernel::~Kernel() = default;

void Kernel::log_unimplemented(uint64_t nr) {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (!logged_unimplemented_.insert(nr).second) return;
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, static_cast<int>(nr));
  std::fprintf(stderr, "lx: unimplemented syscall %s (%llu), returning ENOSYS\n", name ? name : "?",
               static_cast<unsigned long long>(nr));
  std::free(name);
}

void Kernel::handle_syscall(Task& task, uint64_t nr) {
  pico::Registers& r = task.regs();
  const SyscallArgs args{r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
  const SyscallEntry* entry = SyscallTable::instance().find(nr);
  long ret;
  if (entry) {
    Result<long> res = entry->handler(task, args);
    ret = res.ok() ? res.value() : -static_cast<long>(res.error());
  } else {
    log_unimplemented(nr);
    ret = -ENOSYS;
  }
  if (config_.trace) trace_syscall(task, nr, args, ret);
  if (task.tg().exiting) return;
  r.rax = static_cast<uint64_t>(ret);
  // What the syscall instruction itself does to these two.
  r.rcx = r.rip;
  r.r11 = r.rflags;
}

}  // namespace lx
