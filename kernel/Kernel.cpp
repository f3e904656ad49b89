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

// Writes to a pipe or socket with no reader raise SIGPIPE in the writer.
// Until signal delivery exists only the default action (terminate) and
// SIG_IGN are honoured; a handled or blocked SIGPIPE just leaves EPIPE.
void Kernel::raise_sigpipe(Task& task, uint64_t nr) {
  constexpr uint64_t kWrite = 1, kWritev = 20, kSendfile = 40, kSplice = 275, kPwritev2 = 328;
  if (nr != kWrite && nr != kWritev && nr != kSendfile && nr != kSplice && nr != kPwritev2) return;
  constexpr int kSigpipe = 13;
  const SigAction& act = task.tg().sigactions[kSigpipe - 1];
  if (act.handler != 0 || (task.sigmask & (1ull << (kSigpipe - 1)))) return;
  task.tg().exiting = true;
  task.tg().exit_status = kSigpipe;
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
  if (ret == -EPIPE) raise_sigpipe(task, nr);
  if (config_.trace) trace_syscall(task, nr, args, ret);
  if (task.tg().exiting) return;
  r.rax = static_cast<uint64_t>(ret);
  // What the syscall instruction itself does to these two.
  r.rcx = r.rip;
  r.r11 = r.rflags;
}

}  // namespace lx
