#include "kernel/Kernel.h"

#include <seccomp.h>

#include <algorithm>
#include <cstdlib>

#include "kernel/net/unix/UnixNames.h"
#include "kernel/syscalls/Table.h"

namespace lx {

Kernel::Kernel(pico::Host& host, std::unique_ptr<Vfs> vfs, KernelConfig config)
    : host_(host), vfs_(std::move(vfs)), config_(std::move(config)), timers_(std::make_unique<Timers>(big_lock_)),
      unix_names_(std::make_shared<UnixNames>()) {}

Kernel::~Kernel() {
  {
    std::unique_lock lock(big_lock_);
    kill_all();
    threads_done_.wait(lock, [&] { return live_threads_ == 0; });
    tasks_.clear();
    groups_.clear();
  }
  timers_.reset();  // joins the timer thread: never with the big lock held
}

ThreadGroup* Kernel::find_group(int pid) {
  auto it = groups_.find(pid);
  return it == groups_.end() ? nullptr : it->second.get();
}

Task* Kernel::find_task(int tid) {
  auto it = tasks_.find(tid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

Result<int> Kernel::alloc_pid() {
  constexpr int kPidMax = 4194304;  // /proc/sys/kernel/pid_max on 64-bit
  for (int tries = 0; tries < kPidMax; ++tries) {
    last_pid_ = last_pid_ >= kPidMax - 1 ? 300 : last_pid_ + 1;  // Linux wraps to RESERVED_PIDS
    if (!tasks_.count(last_pid_) && !groups_.count(last_pid_)) return last_pid_;
  }
  return err(EAGAIN);
}

ThreadGroup& Kernel::adopt_group(std::unique_ptr<ThreadGroup> tg) {
  ThreadGroup& ref = *tg;
  groups_[tg->pid()] = std::move(tg);
  return ref;
}

Task& Kernel::adopt_task(std::unique_ptr<Task> t) {
  Task& ref = *t;
  tasks_[t->tid()] = std::move(t);
  return ref;
}

void Kernel::retid(Task& t, int tid) {
  auto node = tasks_.extract(t.tid());
  if (node.empty()) return;
  t.set_tid(tid);
  node.key() = tid;
  tasks_.insert(std::move(node));
}

void Kernel::release_group(ThreadGroup& tg) {
  if (tg.parent) {
    auto& c = tg.parent->children;
    c.erase(std::remove(c.begin(), c.end(), &tg), c.end());
  }
  if (&tg == init_) init_ = nullptr;
  groups_.erase(tg.pid());
}

void Kernel::log_unimplemented(uint64_t nr) {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (!logged_unimplemented_.insert(nr).second) return;
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, static_cast<int>(nr));
  std::fprintf(stderr, "lx: unimplemented syscall %s (%llu), returning ENOSYS\n", name ? name : "?",
               static_cast<unsigned long long>(nr));
  std::free(name);
}

// Writes to a pipe or socket with no reader raise SIGPIPE in the writer.
void Kernel::raise_sigpipe(Task& task, uint64_t nr) {
  constexpr uint64_t kWrite = 1, kWritev = 20, kSendfile = 40, kSplice = 275, kPwritev2 = 328;
  if (nr != kWrite && nr != kWritev && nr != kSendfile && nr != kSplice && nr != kPwritev2) return;
  constexpr int kSigpipe = 13;
  send_signal(task, make_siginfo(kSigpipe, kSiUser));
}

void Kernel::handle_syscall(Task& task, uint64_t nr) {
  pico::Registers& r = task.regs();
  const SyscallArgs args{r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
  task.syscall_nr = nr;
  task.regs_replaced = false;
  vfs_->begin_syscall();
  const SyscallEntry* entry = SyscallTable::instance().find(nr);
  long ret;
  if (entry) {
    Result<long> res = entry->handler(task, args);
    ret = res.ok() ? res.value() : -static_cast<long>(res.error());
  } else {
    log_unimplemented(nr);
    ret = -ENOSYS;
  }
  finish_syscall(task, nr, args, ret);
}

void Kernel::finish_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long ret) {
  pico::Registers& r = task.regs();
  if (ret == -EPIPE) raise_sigpipe(task, nr);
  if (config_.trace) trace_syscall(task, nr, args, ret);
  const bool deferred = ret == -kDeferredIo;
  // rt_sigreturn and execve load a whole new register file.
  if (task.regs_replaced || task.exited || task.tg().exiting) {
    if (deferred) {
      task.thread().disarm_socket_io();
      task.io_finish = nullptr;
    }
    return;
  }
  task.restart_pending = ret <= -kErestartsys && ret >= -kErestartRestartblock;
  // A deferred result lands in rax when the thread resumes.
  if (!deferred) task.regs().rax = static_cast<uint64_t>(ret);
  // What the syscall instruction itself does to these two.
  r.rcx = r.rip;
  r.r11 = r.rflags;
}

void Kernel::finish_socket_io(Task& task, const pico::Event& ev) {
  auto finish = std::move(task.io_finish);
  task.io_finish = nullptr;
  long ret = -EIO;
  if (finish) {
    Result<long> res = finish(task, ev.io_result, ev.io_interrupted);
    ret = res.ok() ? res.value() : -static_cast<long>(res.error());
  }
  const pico::Registers& r = task.regs();
  finish_syscall(task, task.syscall_nr, SyscallArgs{r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9}, ret);
}

}  // namespace lx
