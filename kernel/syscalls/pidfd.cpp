// pidfd_open, pidfd_send_signal, pidfd_getfd: processes named by file
// descriptors (proc/PidFd.h). CLONE_PIDFD is in clone.cpp, P_PIDFD in wait.cpp.
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/proc/PidFd.h"
#include "kernel/signal/Signal.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kPidfdNonblock = abi::kONonblock;

Result<long> sys_pidfd_open(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  const auto flags = static_cast<unsigned>(a[1]);
  if (flags & ~static_cast<unsigned>(kPidfdNonblock)) return err(EINVAL);
  if (pid <= 0) return err(EINVAL);
  Kernel& k = t.kernel();
  ThreadGroup* tg = k.find_group(pid);
  if (!tg) return err(k.find_task(pid) ? EINVAL : ESRCH);  // a thread that leads no process: EINVAL
  const int status = abi::kORdwr | static_cast<int>(flags & kPidfdNonblock);
  return TRY(t.fds().install(make_pidfd(*tg, status), /*cloexec=*/true));
}

// The process behind a pidfd argument: EBADF for anything but a pidfd,
// ESRCH once the process has been reaped.
Result<ThreadGroup*> pidfd_target(Task& t, uint64_t fd) {
  OpenFileRef f = TRY(t.fds().get(arg_int(fd)));
  std::shared_ptr<PidHandle> h = pidfd_handle(*f);
  if (!h) return err(EBADF);
  if (!h->group) return err(ESRCH);
  return h->group;
}

Result<long> sys_pidfd_send_signal(Task& t, const SyscallArgs& a) {
  const int sig = arg_int(a[1]);
  if (a[3]) return err(EINVAL);  // no PIDFD_SIGNAL_* scopes
  if (sig < 0 || sig > kNsig) return err(EINVAL);
  ThreadGroup* tg = TRY(pidfd_target(t, a[0]));
  SigInfo info = make_siginfo(sig, kSiUser);
  if (a[2]) {
    info = TRY(t.mem().read(UserPtr<SigInfo>{a[2]}));
    if (info.signo != sig) return err(EINVAL);
    // Only the kernel and kill() may claim si_code >= 0 (or SI_TKILL) for another process.
    if ((info.code >= 0 || info.code == kSiTkill) && tg != &t.tg()) return err(EPERM);
  } else {
    info.set_pid_uid(t.tg().pid(), t.tg().uid);
  }
  if (sig && !tg->zombie) send_signal(*tg, info);
  return 0;
}

Result<long> sys_pidfd_getfd(Task& t, const SyscallArgs& a) {
  if (a[2]) return err(EINVAL);
  ThreadGroup* tg = TRY(pidfd_target(t, a[0]));
  if (tg->zombie) return err(ESRCH);  // its files are already closed
  OpenFileRef f = TRY(tg->fds().get(arg_int(a[1])));
  return TRY(t.fds().install(std::move(f), /*cloexec=*/true));
}

}  // namespace

void register_pidfd(SyscallTable& t) {
  using A = Arg;
  t.add(434, "pidfd_open", Support::Full, sys_pidfd_open, {A::Int, A::Hex},
        nullptr);
  t.add(424, "pidfd_send_signal", Support::Partial, sys_pidfd_send_signal, {A::Fd, A::Signal, A::Ptr, A::Hex},
        "no PIDFD_SIGNAL_THREAD/THREAD_GROUP/PROCESS_GROUP scopes (EINVAL)");
  t.add(438, "pidfd_getfd", Support::Full, sys_pidfd_getfd, {A::Fd, A::Int, A::Hex});
}

}  // namespace lx
