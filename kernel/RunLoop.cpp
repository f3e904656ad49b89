#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "kernel/Kernel.h"
#include "kernel/exec/Exec.h"
#include "kernel/syscalls/Process.h"

namespace lx {

namespace {

// Shell convention for a process ended by a signal.
int status_from_signal(int signo) { return 128 + signo; }

}  // namespace

Result<int> Kernel::run_program(const std::string& path, const std::vector<std::string>& argv,
                                const std::vector<std::string>& envp, const std::vector<OpenFileRef>& stdio) {
  auto proc = TRY(host_.create_process());
  auto tg = std::make_unique<ThreadGroup>(*this, std::move(proc), next_pid_++);
  init_default_rlimits(*tg);
  Task task(*tg, tg->pico().main_thread(), tg->pid());
  tg->cwd = config_.cwd;
  tg->pgid = tg->sid = tg->pid();
  for (size_t fd = 0; fd < stdio.size(); ++fd)
    if (stdio[fd]) TRY(tg->fds().install_at(static_cast<int>(fd), stdio[fd], false));
  TRY(exec_image(task, ExecRequest{path, argv, envp}));
  task.comm = tg->exe_path.substr(tg->exe_path.rfind('/') + 1).substr(0, 15);

  for (;;) {
    pico::Event ev = task.thread().run();
    switch (ev.kind) {
      case pico::EventKind::Syscall:
        if (ev.foreign_abi) {
          // 32-bit int 0x80 / x32 calls: not an ABI we provide.
          task.regs().rax = static_cast<uint64_t>(-ENOSYS);
          break;
        }
        handle_syscall(task, ev.syscall_nr);
        if (tg->exiting) {
          tg->pico().kill();
          const int sig = tg->exit_status & 0x7f;
          return sig ? status_from_signal(sig) : (tg->exit_status >> 8) & 0xff;
        }
        break;
      case pico::EventKind::Fault:
        // No guest signal delivery yet: a synchronous fault takes the default
        // action, which for these signals is to terminate (with core).
        if (config_.trace)
          std::fprintf(config_.trace, "--- SIG%s {si_signo=%d, si_code=%d, si_addr=%#llx} ---\n+++ killed by SIG%s (core dumped) +++\n",
                       sigabbrev_np(ev.signo) ? sigabbrev_np(ev.signo) : "SIG?", ev.signo, ev.si_code,
                       static_cast<unsigned long long>(ev.fault_addr),
                       sigabbrev_np(ev.signo) ? sigabbrev_np(ev.signo) : "SIG?");
        tg->pico().kill();
        return status_from_signal(ev.signo);
      case pico::EventKind::Interrupt:
        break;
      case pico::EventKind::Exited: {
        int st = ev.wait_status;
        if (WIFSIGNALED(st)) return status_from_signal(WTERMSIG(st));
        return WEXITSTATUS(st);
      }
    }
  }
}

}  // namespace lx
