// The provider threads: one per guest task, each resuming its task's guest
// code and handling what comes back (syscalls, faults, kicks), plus the
// instance's start and end (run_program).
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <thread>

#include "kernel/CurrentTask.h"
#include "kernel/Kernel.h"
#include "kernel/exec/Exec.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/syscalls/Process.h"
#include "kernel/tty/JobControl.h"

namespace lx {

namespace {

// Shell convention for a process ended by a signal.
int shell_status(int wait_status) {
  if (status_signaled(wait_status)) return 128 + status_termsig(wait_status);
  return status_exit_code(wait_status);
}

}  // namespace

void Kernel::start_task(Task& t) {
  ++live_threads_;
  std::thread([this, tp = &t] { task_main(tp); }).detach();
}

void Kernel::task_main(Task* t) {
  set_current_task(t);
  std::unique_lock lock(big_lock_);
  t->lock = &lock;
  for (;;) {
    if (!deliver_signals(*t)) break;
    t->running_guest = true;
    lock.unlock();
    pico::Event ev = t->thread().run();
    lock.lock();
    t->running_guest = false;
    // The armed socket I/O ended the syscall by itself unless it reports.
    if (t->io_finish && ev.kind != pico::EventKind::SocketIoDone) t->io_finish = nullptr;
    switch (ev.kind) {
      case pico::EventKind::Syscall:
        if (ev.foreign_abi) {
          // 32-bit int 0x80 / x32 calls: not an ABI we provide.
          t->regs().rax = static_cast<uint64_t>(-ENOSYS);
          break;
        }
        if (ev.syscall_site) offer_syscall_site(*t, ev);
        handle_syscall(*t, ev.syscall_nr);
        break;
      case pico::EventKind::Fault:
        handle_fault(*t, ev);
        break;
      case pico::EventKind::SocketIoDone:
        finish_socket_io(*t, ev);
        break;
      case pico::EventKind::Interrupt:
        break;
      case pico::EventKind::Exited:
        // The host process went away under us (killed from outside, or
        // torn down by an exit of the group): the group is gone.
        if (!t->tg().exiting) {
          const int st = ev.wait_status;
          do_group_exit(t->tg(), WIFSIGNALED(st) ? WTERMSIG(st) : (WEXITSTATUS(st) << 8));
        }
        t->exited = true;
        break;
    }
  }
  finish_task(*t);
  --live_threads_;
  threads_done_.notify_all();
}

// The backend may rewrite a syscall site into a cheaper way in (the Linux
// one patches `mov $nr, %eax; syscall`). Only code no other thread runs
// (its bytes change under it) in a private mapping (a shared one would
// change the file); the mapping is looked up only when the backend is
// about to write, not on every trap.
void Kernel::offer_syscall_site(Task& t, const pico::Event& ev) {
  ThreadGroup& tg = t.tg();
  if (tg.tasks.size() != 1 || tg.mm_ref().use_count() != 1) return;
  const uint64_t site = ev.syscall_site;
  t.thread().rewrite_syscall_site(site, ev.syscall_nr, [&tg, site] {
    const Vma* v = site >= 7 ? tg.mm().find(site - 7) : nullptr;
    return v && !v->shared && (v->prot & pico::kProtExec) && site <= v->end;
  });
}

void Kernel::handle_fault(Task& t, const pico::Event& ev) {
  if (config_.trace) {
    const char* name = sigabbrev_np(ev.signo);
    std::fprintf(config_.trace, "--- SIG%s {si_signo=%d, si_code=%d, si_addr=%#llx} ---\n", name ? name : "?",
                 ev.signo, ev.si_code, static_cast<unsigned long long>(ev.fault_addr));
  }
  SigInfo info = make_siginfo(ev.signo, ev.si_code);
  info.set_addr(ev.fault_addr);
  force_signal(t, info);
}

void Kernel::finish_task(Task& t) {
  ThreadGroup& tg = t.tg();
  const bool group_gone = tg.exiting && tg.mm_ref().use_count() == 1;
  if (!group_gone) {
    // Other threads (or a vfork parent) still use this memory: the
    // exit-time futex work is visible to them.
    futex_exit_robust_list(t);
    futex_exit_clear_child_tid(t);
  }
  auto& ts = tg.tasks;
  ts.erase(std::remove(ts.begin(), ts.end(), &t), ts.end());
  if (!ts.empty() || tg.mm_ref().use_count() > 1) {
    // Only this host thread ends; the process lives on for the others.
    (void)t.thread().exit_thread();
  }
  tg.thread_exit_wait.wake_all();
  for (auto& [pid, g] : groups_)
    if (g->vfork_parent == &t) g->vfork_parent = nullptr;
  if (ts.empty()) group_became_zombie(tg);
  tasks_.erase(t.tid());  // destroys t
}

bool Kernel::holds_any(const std::vector<OpenFileRef>& files) {
  for (auto& [pid, g] : groups_) {
    if (g->zombie) continue;
    FdTable& fds = g->fds();
    for (int fd = 0; fd < fds.extent(); ++fd) {
      Result<OpenFileRef> f = fds.get(fd);
      if (!f.ok()) continue;
      for (const OpenFileRef& s : files)
        if (s && f.value() == s) return true;
    }
  }
  return false;
}

void Kernel::external_signal(int sig) {
  std::lock_guard lock(big_lock_);
  if (sig == kSigInt || sig == kSigQuit) {
    if (!init_) return;
    const int pgid = init_->pgid;
    for (auto& [pid, g] : groups_)
      if (!g->zombie && g->pgid == pgid) send_signal(*g, make_siginfo(sig, kSiKernel));
    return;
  }
  if (!external_kill_) external_kill_ = sig;
  kill_all();
}

void Kernel::kill_all() {
  for (auto& [pid, tg] : groups_)
    if (!tg->zombie) do_group_exit(*tg, kSigKill);
}

Result<int> Kernel::run_program(const std::string& path, const std::vector<std::string>& argv,
                                const std::vector<std::string>& envp, const std::vector<OpenFileRef>& stdio) {
  std::unique_lock lock(big_lock_);
  auto proc = TRY(host_.create_process());
  const int pid = TRY(alloc_pid());
  ThreadGroup& tg = adopt_group(std::make_unique<ThreadGroup>(*this, std::move(proc), pid));
  init_ = &tg;
  init_default_rlimits(tg);
  tg.cwd = config_.cwd;
  tg.pgid = tg.sid = pid;
  tg.uid = tg.euid = tg.suid = tg.fsuid = config_.uid;
  tg.gid = tg.egid = tg.sgid = tg.fsgid = config_.gid;
  tg.groups = config_.groups;
  Task& task = adopt_task(std::make_unique<Task>(tg, tg.pico().main_thread(), pid));
  tg.tasks.push_back(&task);
  Result<void> setup = [&]() -> Result<void> {
    for (size_t fd = 0; fd < stdio.size(); ++fd)
      if (stdio[fd]) TRY(tg.fds().install_at(static_cast<int>(fd), stdio[fd], false));
    // A pty slave as stdin is init's controlling terminal, as a login
    // shell's is: init leads its session, so bash gets job control.
    bool slave = false;
    if (!stdio.empty() && stdio[0])
      if (PtyRef tty = pty_ref(*stdio[0], &slave); tty && slave && tty->session == 0 && !tty->master_closed)
        set_ctty(tg, tty);
    TRY(exec_image(task, ExecRequest{path, argv, envp}));
    return {};
  }();
  if (!setup.ok()) {
    tasks_.erase(pid);
    release_group(tg);
    return err(setup.error());
  }
  tg.cmdline = argv;
  start_task(task);

  // The instance lives as long as its init: when pid 1 ends, Linux kills
  // every other process of the pid namespace.
  init_done_.wait(lock, [&] { return tg.zombie; });
  const int status = tg.exit_status;
  // Like the end of a native command: processes it left behind that still
  // hold its stdout/stderr pipe keep the reader waiting (`(cmd &)` in a pipeline
  // still gets its output through); everything else ends with the instance.
  // Only pipes and sockets: a terminal or a file has no reader waiting for EOF.
  std::vector<OpenFileRef> pipes;
  for (const OpenFileRef& f : stdio) {
    if (!f) continue;
    Result<abi::Stat> st = f->stat();
    const uint32_t type = st.ok() ? st.value().st_mode & 0170000 : 0;
    if (type == 0010000 /*S_IFIFO*/ || type == 0140000 /*S_IFSOCK*/) pipes.push_back(f);
  }
  while (!external_kill_ && !pipes.empty() && holds_any(pipes))
    init_done_.wait_for(lock, std::chrono::milliseconds(20));
  kill_all();
  threads_done_.wait(lock, [&] { return live_threads_ == 0; });
  tasks_.clear();
  groups_.clear();
  init_ = nullptr;
  // Ended from outside: report it the way a shell reports a killed job.
  if (external_kill_) return 128 + external_kill_;
  return shell_status(status);
}

}  // namespace lx
