// Signal dispositions, masks, the alternate stack, sending, waiting and
// rt_sigreturn. Generation and delivery themselves live in kernel/signal.
#include <chrono>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/sched/Wait.h"
#include "kernel/signal/Frame.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr uint64_t kSigsetSize = 8;

// UAPI_SA_FLAGS on x86: Linux clears every other sa_flags bit so programs can
// probe for flags the kernel lacks.
constexpr uint64_t kSaKnownFlags = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 | 0x04000000 | 0x08000000 |
                                   0x10000000 | 0x40000000 | 0x80000000;

constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;

bool valid_signal(int sig) { return sig >= 0 && sig <= kNsig; }

Result<long> sys_rt_sigaction(Task& t, const SyscallArgs& a) {
  const int sig = arg_int(a[0]);
  if (a[3] != kSigsetSize) return err(EINVAL);
  SigAction next{};
  if (a[1]) next = TRY(t.mem().read(UserPtr<SigAction>{a[1]}));
  if (sig < 1 || sig > kNsig || (a[1] && (sig == kSigKill || sig == kSigStop))) return err(EINVAL);
  ThreadGroup& tg = t.tg();
  SigAction& slot = tg.sigactions[sig - 1];
  SigAction old = slot;
  old.flags &= kSaKnownFlags;
  if (a[1]) {
    next.flags &= kSaKnownFlags;
    next.mask &= ~kUnblockable;
    slot = next;
    // POSIX: setting a pending signal to be ignored discards it.
    if (signal_ignored(tg, sig)) {
      tg.shared_pending.discard(sigbit(sig));
      for (Task* other : tg.tasks) other->pending.discard(sigbit(sig));
    }
  }
  if (a[2]) TRY(t.mem().write(UserPtr<SigAction>{a[2]}, old));
  return 0;
}

Result<long> sys_rt_sigprocmask(Task& t, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return err(EINVAL);
  const uint64_t old = t.sigmask;
  if (a[1]) {
    uint64_t set = TRY(t.mem().read(UserPtr<uint64_t>{a[1]})) & ~kUnblockable;
    switch (arg_int(a[0])) {
      case kSigBlock: t.sigmask |= set; break;
      case kSigUnblock: t.sigmask &= ~set; break;
      case kSigSetmask: t.sigmask = set; break;
      default: return err(EINVAL);
    }
  }
  if (a[2]) TRY(t.mem().write(UserPtr<uint64_t>{a[2]}, old));
  return 0;
}

constexpr uint64_t kMinSigstksz = 2048;

Result<long> sys_sigaltstack(Task& t, const SyscallArgs& a) {
  abi::SigStack next{};
  if (a[0]) next = TRY(t.mem().read(UserPtr<abi::SigStack>{a[0]}));
  const uint64_t sp = t.regs().rsp;
  abi::SigStack old{};
  old.sp = t.sas_ss_sp;
  old.size = t.sas_ss_size;
  old.flags = static_cast<int32_t>((t.sas_ss_size == 0 ? abi::kSsDisable : t.on_altstack(sp) ? abi::kSsOnstack : 0) |
                                   (t.sas_ss_flags & abi::kSsAutodisarm));
  if (a[0]) {
    if (t.on_altstack(sp)) return err(EPERM);
    const uint32_t flags = static_cast<uint32_t>(next.flags);
    const uint32_t mode = flags & ~abi::kSsAutodisarm;
    if (mode != abi::kSsDisable && mode != abi::kSsOnstack && mode != 0) return err(EINVAL);
    uint64_t nsp = next.sp, nsize = next.size;
    const bool unchanged = nsp == t.sas_ss_sp && nsize == t.sas_ss_size && flags == t.sas_ss_flags;
    if (unchanged) {
      // Linux returns before its size checks when nothing would change.
    } else if (mode == abi::kSsDisable) {
      nsp = 0;
      nsize = 0;
    } else if (nsize < kMinSigstksz) {
      return err(ENOMEM);
    }
    t.sas_ss_sp = nsp;
    t.sas_ss_size = nsize;
    t.sas_ss_flags = flags;
  }
  if (a[1]) TRY(t.mem().write(UserPtr<abi::SigStack>{a[1]}, old));
  return 0;
}

Result<long> sys_rt_sigpending(Task& t, const SyscallArgs& a) {
  if (a[1] > kSigsetSize) return err(EINVAL);
  // Pending for the thread or the process, and blocked (else it would
  // have been delivered).
  const uint64_t set = (t.pending.set | t.tg().shared_pending.set) & t.sigmask;
  TRY(t.mem().copy_out(a[0], &set, a[1]));
  return 0;
}

SigInfo user_siginfo(Task& sender, int sig, int code) {
  SigInfo info = make_siginfo(sig, code);
  info.set_pid_uid(sender.tg().pid(), sender.tg().uid);
  return info;
}

// kill(2)'s target selection. Permission is always granted: every guest
// process runs as the same host user.
Result<long> sys_kill(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  const int sig = arg_int(a[1]);
  if (!valid_signal(sig)) return err(EINVAL);
  Kernel& k = t.kernel();
  const SigInfo info = user_siginfo(t, sig, kSiUser);
  if (pid > 0) {
    ThreadGroup* tg = k.find_group(pid);
    if (!tg) {
      Task* task = k.find_task(pid);
      if (!task) return err(ESRCH);
      tg = &task->tg();
    }
    if (sig) send_signal(*tg, info);
    return 0;
  }
  // Process groups (0: ours) and -1: everyone but init and the caller.
  const int pgid = pid == 0 ? t.tg().pgid : -pid;
  std::vector<ThreadGroup*> targets;
  for (auto& [gpid, g] : k.groups()) {
    if (g->zombie && pid != -1) {
      if (g->pgid == pgid) targets.push_back(g.get());  // found, nothing to deliver
      continue;
    }
    if (pid == -1 ? (g.get() != &t.tg() && g.get() != k.init()) : g->pgid == pgid) targets.push_back(g.get());
  }
  if (targets.empty()) return err(ESRCH);
  if (sig)
    for (ThreadGroup* g : targets) send_signal(*g, info);
  return 0;
}

Result<long> do_tkill(Task& t, int tgid, int tid, int sig) {
  if (tid <= 0) return err(EINVAL);
  if (!valid_signal(sig)) return err(EINVAL);
  Task* target = t.kernel().find_task(tid);
  if (!target || target->exited || (tgid > 0 && target->tg().pid() != tgid)) return err(ESRCH);
  if (sig) send_signal(*target, user_siginfo(t, sig, kSiTkill));
  return 0;
}

Result<long> sys_tgkill(Task& t, const SyscallArgs& a) {
  const int tgid = arg_int(a[0]);
  if (tgid <= 0) return err(EINVAL);
  return do_tkill(t, tgid, arg_int(a[1]), arg_int(a[2]));
}

Result<long> sys_tkill(Task& t, const SyscallArgs& a) { return do_tkill(t, 0, arg_int(a[0]), arg_int(a[1])); }

// rt_sigqueueinfo / rt_tgsigqueueinfo: the caller supplies the siginfo,
// but may not pretend to be the kernel or kill().
Result<long> queue_info(Task& t, int tgid, int tid, int sig, uint64_t uinfo) {
  SigInfo info = TRY(t.mem().read(UserPtr<SigInfo>{uinfo}));
  if ((info.code >= 0 || info.code == kSiTkill) && t.kernel().find_group(tgid) != &t.tg()) return err(EPERM);
  if (!valid_signal(sig)) return err(EINVAL);
  info.signo = sig;
  if (tid > 0) {
    Task* target = t.kernel().find_task(tid);
    if (!target || target->tg().pid() != tgid) return err(ESRCH);
    if (sig) send_signal(*target, info);
    return 0;
  }
  ThreadGroup* tg = t.kernel().find_group(tgid);
  if (!tg) return err(ESRCH);
  if (sig) send_signal(*tg, info);
  return 0;
}

Result<long> sys_rt_sigqueueinfo(Task& t, const SyscallArgs& a) {
  return queue_info(t, arg_int(a[0]), 0, arg_int(a[1]), a[2]);
}

Result<long> sys_rt_tgsigqueueinfo(Task& t, const SyscallArgs& a) {
  const int tgid = arg_int(a[0]), tid = arg_int(a[1]);
  if (tgid <= 0 || tid <= 0) return err(EINVAL);
  return queue_info(t, tgid, tid, arg_int(a[2]), a[3]);
}

Result<long> sys_pause(Task& t, const SyscallArgs&) {
  TRY(wait_event(t, {}, [] { return false; }, Deadline::never(), kErestartnohand));
  return 0;
}

Result<long> sys_rt_sigsuspend(Task& t, const SyscallArgs& a) {
  if (a[1] != kSigsetSize) return err(EINVAL);
  const uint64_t mask = TRY(t.mem().read(UserPtr<uint64_t>{a[0]}));
  // The handler frame records the old mask, so it comes back at sigreturn.
  t.saved_sigmask = t.sigmask;
  t.has_saved_sigmask = true;
  t.sigmask = mask & ~kUnblockable;
  TRY(wait_event(t, {}, [] { return false; }, Deadline::never(), kErestartnohand));
  return 0;
}

Result<long> sys_rt_sigtimedwait(Task& t, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return err(EINVAL);
  const uint64_t set = TRY(t.mem().read(UserPtr<uint64_t>{a[0]})) & ~kUnblockable;
  Deadline deadline;
  if (a[2]) {
    const abi::Timespec ts = TRY(t.mem().read(UserPtr<abi::Timespec>{a[2]}));
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return err(EINVAL);
    deadline = Deadline::in(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  auto pending_in_set = [&] { return ((t.pending.set | t.tg().shared_pending.set) & set) != 0; };
  // The waited-for signals are unblocked for the wait, so they wake us.
  const uint64_t saved = t.sigmask;
  t.real_blocked = saved;
  t.sigmask &= ~set;
  Result<void> r = wait_event(t, {}, pending_in_set, deadline, EINTR);
  t.sigmask = saved;
  t.real_blocked = 0;
  if (!r.ok()) return err(r.error() == ETIMEDOUT ? EAGAIN : r.error());
  PendingSignals& from = (t.pending.set & set) ? t.pending : t.tg().shared_pending;
  const uint64_t ready = from.set & set;
  const int sig = __builtin_ctzll(ready) + 1;
  const SigInfo info = from.take(sig);
  if (a[1]) TRY(t.mem().write(UserPtr<SigInfo>{a[1]}, info));
  return sig;
}

Result<long> sys_rt_sigreturn(Task& t, const SyscallArgs&) {
  Result<void> r = sigreturn(t);
  if (!r.ok()) {
    // A frame we cannot read: Linux sends SIGSEGV.
    force_signal(t, make_siginfo(kSigSegv, kSiKernel));
    return err(EFAULT);
  }
  return static_cast<long>(t.regs().rax);
}

}  // namespace

void register_signal(SyscallTable& t) {
  using A = Arg;
  t.add(13, "rt_sigaction", Support::Full, sys_rt_sigaction, {A::Signal, A::Ptr, A::Ptr, A::Size});
  t.add(14, "rt_sigprocmask", Support::Full, sys_rt_sigprocmask, {A::SigHow, A::Ptr, A::Ptr, A::Size});
  t.add(131, "sigaltstack", Support::Full, sys_sigaltstack, {A::Ptr, A::Ptr});
  t.add(127, "rt_sigpending", Support::Full, sys_rt_sigpending, {A::Ptr, A::Size});
  t.add(62, "kill", Support::Full, sys_kill, {A::Int, A::Signal});
  t.add(234, "tgkill", Support::Full, sys_tgkill, {A::Int, A::Int, A::Signal});
  t.add(200, "tkill", Support::Full, sys_tkill, {A::Int, A::Signal});
  t.add(129, "rt_sigqueueinfo", Support::Full, sys_rt_sigqueueinfo, {A::Int, A::Signal, A::Ptr});
  t.add(297, "rt_tgsigqueueinfo", Support::Full, sys_rt_tgsigqueueinfo, {A::Int, A::Int, A::Signal, A::Ptr});
  t.add(34, "pause", Support::Full, sys_pause, {});
  t.add(130, "rt_sigsuspend", Support::Full, sys_rt_sigsuspend, {A::Ptr, A::Size});
  t.add(128, "rt_sigtimedwait", Support::Full, sys_rt_sigtimedwait, {A::Ptr, A::Ptr, A::Ptr, A::Size});
  t.add(15, "rt_sigreturn", Support::Full, sys_rt_sigreturn, {});
}

}  // namespace lx
