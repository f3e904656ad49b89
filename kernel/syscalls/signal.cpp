// Signal dispositions, masks and the alternate stack. Delivery is not
// implemented yet, so kill-family calls only succeed when no signal would
// actually have to be delivered.
#include <mutex>
#include <unordered_map>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr int kNsig = 64;
constexpr int kSigKill = 9, kSigStop = 19;
constexpr uint64_t kSigsetSize = 8;
constexpr uint64_t kUnblockable = (1ull << (kSigKill - 1)) | (1ull << (kSigStop - 1));

// UAPI_SA_FLAGS on x86: Linux clears every other sa_flags bit so programs can
// probe for flags the kernel lacks.
constexpr uint64_t kSaKnownFlags = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 | 0x04000000 | 0x08000000 |
                                   0x10000000 | 0x40000000 | 0x80000000;

constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;

Result<long> sys_rt_sigaction(Task& t, const SyscallArgs& a) {
  const int sig = arg_int(a[0]);
  if (a[3] != kSigsetSize) return err(EINVAL);
  SigAction next{};
  if (a[1]) next = TRY(t.mem().read(UserPtr<SigAction>{a[1]}));
  if (sig < 1 || sig > kNsig || (a[1] && (sig == kSigKill || sig == kSigStop))) return err(EINVAL);
  SigAction& slot = t.tg().sigactions[sig - 1];
  SigAction old = slot;
  old.flags &= kSaKnownFlags;
  if (a[1]) {
    next.flags &= kSaKnownFlags;
    next.mask &= ~kUnblockable;
    slot = next;
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

// stack_t, x86-64 layout.
struct StackT {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
static_assert(sizeof(StackT) == 24);

constexpr int kSsOnstack = 1, kSsDisable = 2;
constexpr uint32_t kSsAutodisarm = 1u << 31;
constexpr uint64_t kMinSigstksz = 2048;

struct AltStack {
  uint64_t sp = 0;
  uint64_t size = 0;
  uint32_t flags = kSsDisable;  // sas_ss_reset()'s state
};

// Task.h has no alternate-stack fields yet, so they live here keyed by task.
// Entries of exited tasks are never looked up again; they go away once the
// fields move into Task.
std::mutex altstack_mu;
std::unordered_map<const Task*, AltStack> altstacks;

AltStack get_altstack(const Task& t) {
  std::lock_guard lock(altstack_mu);
  auto it = altstacks.find(&t);
  return it == altstacks.end() ? AltStack{} : it->second;
}

void set_altstack(const Task& t, const AltStack& s) {
  std::lock_guard lock(altstack_mu);
  altstacks[&t] = s;
}

bool on_altstack(const AltStack& s, uint64_t sp) {
  // With SS_AUTODISARM the stack is disarmed while in use, so never "on" it.
  if (s.flags & kSsAutodisarm) return false;
  return sp > s.sp && sp - s.sp <= s.size;
}

Result<long> sys_sigaltstack(Task& t, const SyscallArgs& a) {
  StackT next{};
  if (a[0]) next = TRY(t.mem().read(UserPtr<StackT>{a[0]}));
  const AltStack cur = get_altstack(t);
  const uint64_t sp = t.regs().rsp;
  StackT old{};
  old.sp = cur.sp;
  old.size = cur.size;
  old.flags = static_cast<int32_t>((cur.size == 0 ? kSsDisable : on_altstack(cur, sp) ? kSsOnstack : 0) |
                                   (cur.flags & kSsAutodisarm));
  if (a[0]) {
    if (on_altstack(cur, sp)) return err(EPERM);
    const uint32_t flags = static_cast<uint32_t>(next.flags);
    const uint32_t mode = flags & ~kSsAutodisarm;
    if (mode != kSsDisable && mode != kSsOnstack && mode != 0) return err(EINVAL);
    AltStack s{next.sp, next.size, flags};
    const bool unchanged = s.sp == cur.sp && s.size == cur.size && s.flags == cur.flags;
    if (unchanged) {
      // Linux returns before its size checks when nothing would change.
    } else if (mode == kSsDisable) {
      s.sp = 0;
      s.size = 0;
    } else if (s.size < kMinSigstksz) {
      return err(ENOMEM);
    }
    set_altstack(t, s);
  }
  if (a[1]) TRY(t.mem().write(UserPtr<StackT>{a[1]}, old));
  return 0;
}

Result<long> sys_rt_sigpending(Task& t, const SyscallArgs& a) {
  if (a[1] > kSigsetSize) return err(EINVAL);
  const uint64_t none = 0;  // nothing is ever pending before delivery exists
  TRY(t.mem().copy_out(a[0], &none, a[1]));
  return 0;
}

bool valid_signal(int sig) { return sig >= 0 && sig <= kNsig; }

// Sending `sig` to ourselves once the target has been found and permission
// granted (we are the only process and may always signal ourselves).
Result<long> send_to_self(int sig) {
  if (!valid_signal(sig)) return err(EINVAL);
  if (sig == 0) return 0;
  return err(ENOSYS);
}

Result<long> sys_kill(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  const int sig = arg_int(a[1]);
  const int self = t.tg().pid();
  // pid 0 and -pgid name our process group; the guest is its group's leader.
  if (pid == self || pid == 0 || pid == -self) return send_to_self(sig);
  // kill(-1) skips the caller, and there is no one else; nor is any other pid.
  return err(ESRCH);
}

Result<long> sys_tgkill(Task& t, const SyscallArgs& a) {
  const int tgid = arg_int(a[0]);
  const int tid = arg_int(a[1]);
  if (tid <= 0 || tgid <= 0) return err(EINVAL);
  if (tid != t.tid() || tgid != t.tg().pid()) return err(ESRCH);
  return send_to_self(arg_int(a[2]));
}

Result<long> sys_tkill(Task& t, const SyscallArgs& a) {
  const int tid = arg_int(a[0]);
  if (tid <= 0) return err(EINVAL);
  if (tid != t.tid()) return err(ESRCH);
  return send_to_self(arg_int(a[1]));
}

}  // namespace

void register_signal(SyscallTable& t) {
  using A = Arg;
  constexpr const char* kNoDelivery = "delivery comes with the signals work: only signal 0 succeeds";
  t.add(13, "rt_sigaction", Support::Partial, sys_rt_sigaction, {A::Signal, A::Ptr, A::Ptr, A::Size},
        "dispositions are stored; nothing is delivered yet");
  t.add(14, "rt_sigprocmask", Support::Full, sys_rt_sigprocmask, {A::SigHow, A::Ptr, A::Ptr, A::Size});
  t.add(131, "sigaltstack", Support::Partial, sys_sigaltstack, {A::Ptr, A::Ptr},
        "stored; used once signals are delivered");
  t.add(127, "rt_sigpending", Support::Partial, sys_rt_sigpending, {A::Ptr, A::Size},
        "always empty: nothing can be pending before delivery exists");
  t.add(62, "kill", Support::Partial, sys_kill, {A::Int, A::Signal}, kNoDelivery);
  t.add(234, "tgkill", Support::Partial, sys_tgkill, {A::Int, A::Int, A::Signal}, kNoDelivery);
  t.add(200, "tkill", Support::Partial, sys_tkill, {A::Int, A::Signal}, kNoDelivery);
}

}  // namespace lx
