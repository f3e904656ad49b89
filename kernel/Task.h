// Tasks (threads) and thread groups (processes) of the Linux personality.
//
// A ThreadGroup owns its address space (Mm, shared with a CLONE_VM child
// until that child execs), its fd table (shared under CLONE_FILES), cwd,
// limits, signal dispositions and the process tree links. A Task owns one
// pico thread and its per-thread state, and is driven by one provider thread
// (Kernel::task_main). All fields are guarded by the kernel's big lock,
// except a task's registers, which only its own provider thread touches.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kernel/base/UserMemory.h"
#include "kernel/mm/MemoryMap.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/signal/Signal.h"
#include "kernel/vfs/FdTable.h"
#include "pico/Host.h"

namespace lx {

class Kernel;
class Pty;
struct PidHandle;

// CLOCK_BOOTTIME now, in ns: the clock /proc's start times and uptime use.
uint64_t boottime_ns();

struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
constexpr int kRlimitCount = 16;
constexpr uint64_t kRlimInfinity = ~0ull;

struct SigAction {  // struct kernel_sigaction layout, as rt_sigaction passes it
  uint64_t handler = 0;
  uint64_t flags = 0;
  uint64_t restorer = 0;
  uint64_t mask = 0;
};
constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
constexpr uint64_t kSaNocldstop = 1, kSaNocldwait = 2, kSaSiginfo = 4, kSaOnstack = 0x08000000,
                   kSaRestart = 0x10000000, kSaNodefer = 0x40000000, kSaResethand = 0x80000000,
                   kSaRestorer = 0x04000000;

// An address space: the pico process plus the kernel's map of it.
class Mm {
 public:
  explicit Mm(std::unique_ptr<pico::Process> proc);
  Mm(const Mm&) = delete;
  Mm& operator=(const Mm&) = delete;
  ~Mm();  // tears the host process down

  pico::Process& pico() { return *pico_; }
  GuestMemory& mem() { return mem_; }
  MemoryMap& map() { return map_; }

 private:
  std::unique_ptr<pico::Process> pico_;
  GuestMemory mem_;
  MemoryMap map_;
};

class ThreadGroup {
 public:
  ThreadGroup(Kernel& kernel, std::shared_ptr<Mm> mm, int pid);
  ThreadGroup(Kernel& kernel, std::unique_ptr<pico::Process> proc, int pid);
  ~ThreadGroup();
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;

  Kernel& kernel() { return kernel_; }
  pico::Process& pico() { return mm_->pico(); }
  GuestMemory& mem() { return mm_->mem(); }
  MemoryMap& mm() { return mm_->map(); }
  const std::shared_ptr<Mm>& mm_ref() const { return mm_; }
  void set_mm(std::shared_ptr<Mm> mm) { mm_ = std::move(mm); }
  FdTable& fds() { return *fds_; }
  const std::shared_ptr<FdTable>& fds_ref() const { return fds_; }
  void set_fds(std::shared_ptr<FdTable> f) { fds_ = std::move(f); }
  int pid() const { return pid_; }
  int ppid() const;

  std::string cwd = "/";
  unsigned umask = 022;
  std::array<Rlimit, kRlimitCount> rlimits{};
  std::array<SigAction, 64> sigactions{};
  std::string exe_path;  // guest path of the running image
  std::vector<std::string> cmdline;  // argv of the running image
  std::vector<std::string> environ;  // envp of the running image (/proc/<pid>/environ)
  uint64_t start_time_ns = boottime_ns();  // creation (fork), kept across exec
  bool did_exec = false;  // has exec'd since fork (setpgid on it is EACCES)
  std::shared_ptr<PidHandle> pid_handle;  // shared with pidfds (proc/PidFd.h); null until one exists

  int pgid = 0;  // process group and session ids
  int sid = 0;
  // The controlling terminal (inherited by fork, dropped by setsid and
  // hang-up; see tty/JobControl.h); null if none.
  std::shared_ptr<Pty> ctty;
  uint32_t personality = 0;  // PER_LINUX
  int dumpable = 1;
  bool child_subreaper = false;

  // ---- credentials (shared by the group's threads, as glibc keeps them)
  uint32_t uid = 0, euid = 0, suid = 0, fsuid = 0;
  uint32_t gid = 0, egid = 0, sgid = 0, fsgid = 0;
  std::vector<uint32_t> groups;

  // ---- process tree
  ThreadGroup* parent = nullptr;       // null for the instance's init
  std::vector<ThreadGroup*> children;  // live and zombie children
  int exit_signal = kSigChld;          // sent to the parent at exit (clone's low byte)
  WaitQueue child_wait;                // parent sleeps here in wait4/waitid

  // ---- life cycle
  std::vector<Task*> tasks;  // live threads
  WaitQueue thread_exit_wait;  // execve waits here for the other threads to go
  // exit_group/fatal signal: every thread must leave. exit_status is the wait
  // status: (code & 0xff) << 8, or the signal number (| 0x80 for a core).
  bool exiting = false;
  int exit_status = 0;
  bool zombie = false;  // all threads gone, waiting to be reaped
  // Job control: the group is stopped (SIGSTOP & co); state changes are
  // reported once each to wait4(WUNTRACED / WCONTINUED).
  bool stopped = false;
  int stop_signal = 0;
  bool stop_report_pending = false;
  bool continue_report_pending = false;
  WaitQueue stop_wait;  // stopped tasks sleep here until SIGCONT

  // ---- signals
  PendingSignals shared_pending;
  // Woken whenever a signal becomes pending for the group or one of its
  // threads: signalfd readiness (sighand->signalfd_wqh).
  WaitQueue signalfd_wait;

  // ---- vfork: the parent task sleeps until this child execs or exits
  // (release_vfork_parent); cleared if that task goes away first.
  Task* vfork_parent = nullptr;
  void release_vfork_parent();

  // Legacy accessor names kept for older call sites.
  void set_ppid(int) {}

 private:
  Kernel& kernel_;
  std::shared_ptr<Mm> mm_;
  std::shared_ptr<FdTable> fds_;
  int pid_;
};

class Task {
 public:
  Task(ThreadGroup& tg, pico::Thread& thread, int tid) : tg_(&tg), thread_(&thread), tid_(tid) {}

  ThreadGroup& tg() { return *tg_; }
  void set_tg(ThreadGroup& tg) { tg_ = &tg; }
  Kernel& kernel() { return tg_->kernel(); }
  GuestMemory& mem() { return tg_->mem(); }
  FdTable& fds() { return tg_->fds(); }
  pico::Thread& thread() { return *thread_; }
  void set_thread(pico::Thread& t) { thread_ = &t; }
  pico::Registers& regs() { return thread_->regs(); }
  int tid() const { return tid_; }
  void set_tid(int tid) { tid_ = tid; }

  uint64_t sigmask = 0;
  PendingSignals pending;  // thread-directed
  // Mask to restore after a handler frame is set up (rt_sigsuspend,
  // ppoll/pselect's temporary masks); has_saved_sigmask says it is valid.
  uint64_t saved_sigmask = 0;
  bool has_saved_sigmask = false;
  // The mask before rt_sigtimedwait unblocked the signals it waits for
  // (Linux's real_blocked): those still count as blocked, so a default-
  // ignored one (SIGCHLD) is queued for the wait instead of dropped.
  uint64_t real_blocked = 0;

  uint64_t clear_child_tid = 0;
  uint64_t robust_list = 0;
  uint64_t sas_ss_sp = 0, sas_ss_size = 0;  // sigaltstack
  uint32_t sas_ss_flags = 2;                // SS_DISABLE
  // sp lies on the alternate stack (never with SS_AUTODISARM: it is
  // disarmed while in use).
  bool on_altstack(uint64_t sp) const {
    if (sas_ss_flags & (1u << 31)) return false;
    return sp > sas_ss_sp && sp - sas_ss_sp <= sas_ss_size;
  }
  std::string comm;                         // PR_SET_NAME / /proc/<pid>/comm
  uint64_t start_time_ns = boottime_ns();   // /proc/<pid>/task/<tid>/stat starttime
  int pdeath_signal = 0;
  bool no_new_privs = false;

  // The syscall being handled (for restarts), and whether the handler
  // replaced the whole register file (rt_sigreturn, execve) so the
  // dispatcher must not store a result.
  uint64_t syscall_nr = 0;
  bool regs_replaced = false;
  // rax holds a -kErestart* code from the last syscall: signal delivery
  // turns it into EINTR or re-executes the syscall.
  bool restart_pending = false;
  // Set while the syscall ends with socket I/O armed on the pico thread
  // (kDeferredIo): finishes the syscall from the host's result if the
  // backend reports back (SocketIoDone); dropped at the next other event.
  // A signal taken before the thread resumes cancels the I/O and restarts
  // the syscall (deliver_signals), as if it came just before the syscall.
  std::function<Result<long>(Task&, int64_t result, bool interrupted)> io_finish;
  bool exited = false;  // this thread called exit / was killed: leave the loop
  bool vfork_done = true;  // false while waiting for a CLONE_VFORK child

  // ---- sleeping (see kernel/sched/WaitQueue.h). The big lock is held by
  // the task's provider thread through `lock`, set by the task loop.
  std::unique_lock<std::mutex>* lock = nullptr;
  // Sleeps until wake() or the deadline; false on timeout. Spurious returns
  // are possible: callers re-check their condition.
  bool sleep(const Deadline& deadline);
  // Makes a sleeping task return from sleep() (and a task waiting on a host
  // fd return from its poll).
  void wake();
  // Kicks a task that may be running guest code so it comes back to the
  // kernel (to take a signal or exit).
  void kick();
  // A signal the task would take is pending, or the task must exit: blocking
  // syscalls give up with kErestartsys.
  bool interrupted();
  // Host eventfd that wake() signals while the task polls a host fd.
  int wake_fd();
  bool in_host_wait = false;
  bool running_guest = false;  // between resume and the next event

  ~Task();

 private:
  ThreadGroup* tg_;
  pico::Thread* thread_;
  int tid_;
  std::condition_variable cv_;
  bool woken_ = false;
  int wake_fd_ = -1;
};

}  // namespace lx
