// futex(2): argument decoding and the operations' order of checks, which
// follows Linux's (timeout first, then keys, then values). The wait queues
// live in kernel/sched/Futex.
#include <optional>

#include "kernel/Task.h"
#include "kernel/abi/Time.h"
#include "kernel/sched/Futex.h"
#include "kernel/sched/TimeConv.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

enum FutexCmd : int {
  kWait = 0, kWake = 1, kFd = 2, kRequeue = 3, kCmpRequeue = 4, kWakeOp = 5, kLockPi = 6, kUnlockPi = 7,
  kTrylockPi = 8, kWaitBitset = 9, kWakeBitset = 10, kWaitRequeuePi = 11, kCmpRequeuePi = 12, kLockPi2 = 13,
};
constexpr int kFutexPrivate = 128, kFutexClockRealtime = 256;

bool has_timeout(int cmd) {
  return cmd == kWait || cmd == kLockPi || cmd == kWaitBitset || cmd == kWaitRequeuePi || cmd == kLockPi2;
}

// FUTEX_WAKE_OP's read-modify-write of *uaddr; returns the comparison of the
// old value. ENOSYS for an unknown operation (nothing written) or an unknown
// comparison (written anyway: Linux compares after the store).
//
// Not atomic with respect to guest threads running on other host CPUs: the
// provider reads and writes guest memory with separate copies (the pico
// interface has no atomic operation), so a guest atomic on the same word
// between the two can be lost. The big lock makes it atomic with respect to
// every other futex operation, which is what the futex protocol itself
// relies on; glibc no longer issues WAKE_OP (its condvars stopped in 2.25).
Result<bool> wake_op_update(Task& t, uint64_t uaddr, uint32_t encoded) {
  const uint32_t op = (encoded >> 28) & 7;
  const uint32_t cmp = (encoded >> 24) & 15;
  auto sign_extend12 = [](uint32_t v) { return static_cast<int32_t>(v << 20) >> 20; };
  int32_t oparg = sign_extend12((encoded >> 12) & 0xfff);
  const int32_t cmparg = sign_extend12(encoded & 0xfff);
  if (encoded & 0x80000000u) oparg = static_cast<int32_t>(1u << (oparg & 31));  // FUTEX_OP_OPARG_SHIFT
  if (op > 4) return err(ENOSYS);
  const auto old = static_cast<int32_t>(TRY(t.mem().read(UserPtr<uint32_t>{uaddr})));
  const auto arg = static_cast<uint32_t>(oparg);
  const auto u = static_cast<uint32_t>(old);
  const uint32_t next = op == 0 ? arg : op == 1 ? u + arg : op == 2 ? (u | arg) : op == 3 ? (u & ~arg) : (u ^ arg);
  TRY(t.mem().write(UserPtr<uint32_t>{uaddr}, next));
  TRY(t.mem().commit());  // the woken threads must see it
  switch (cmp) {
    case 0: return old == cmparg;
    case 1: return old != cmparg;
    case 2: return old < cmparg;
    case 3: return old <= cmparg;
    case 4: return old > cmparg;
    case 5: return old >= cmparg;
    default: return err(ENOSYS);
  }
}

Result<long> futex_wait(Task& t, uint64_t uaddr, bool priv, uint32_t expected, uint32_t bitset,
                        const std::optional<Deadline>& deadline) {
  if (bitset == 0) return err(EINVAL);
  const FutexKey key = TRY(futex_key(t, uaddr, priv));
  if (TRY(t.mem().read(UserPtr<uint32_t>{uaddr})) != expected) return err(EAGAIN);
  Result<void> r = futex_table(t.kernel()).wait(t, key, bitset, deadline.value_or(Deadline::never()));
  if (r.ok()) return 0;
  // Linux: an untimed wait restarts per SA_RESTART (ERESTARTSYS); a timed
  // one is EINTR after a handler and otherwise continues through its
  // restart block (ERESTART_RESTARTBLOCK). Our restart re-executes the
  // call, which for a relative FUTEX_WAIT timeout starts it over.
  if (r.error() == kErestartsys && deadline) return err(kErestartRestartblock);
  return err(r.error());
}

Result<long> futex_requeue(Task& t, const SyscallArgs& a, bool priv, bool compare) {
  const int nr_wake = arg_int(a[2]);
  const int nr_requeue = arg_int(a[3]);  // val2 travels in the timeout slot
  if (nr_wake < 0 || nr_requeue < 0) return err(EINVAL);
  const FutexKey from = TRY(futex_key(t, a[0], priv));
  const FutexKey to = TRY(futex_key(t, a[4], priv));
  if (compare && TRY(t.mem().read(UserPtr<uint32_t>{a[0]})) != static_cast<uint32_t>(a[5])) return err(EAGAIN);
  return futex_table(t.kernel()).requeue(from, to, nr_wake, nr_requeue);
}

Result<long> futex_wake_op(Task& t, const SyscallArgs& a, bool priv) {
  const FutexKey key1 = TRY(futex_key(t, a[0], priv));
  const FutexKey key2 = TRY(futex_key(t, a[4], priv));
  const bool wake2 = TRY(wake_op_update(t, a[4], static_cast<uint32_t>(a[5])));
  FutexTable& table = futex_table(t.kernel());
  int woken = table.wake(key1, arg_int(a[2]), kFutexBitsetMatchAny);
  if (wake2) woken += table.wake(key2, arg_int(a[3]), kFutexBitsetMatchAny);
  return woken;
}

Result<long> sys_futex(Task& t, const SyscallArgs& a) {
  const int op = arg_int(a[1]);
  const int cmd = op & ~(kFutexPrivate | kFutexClockRealtime);
  const bool priv = op & kFutexPrivate;
  const bool realtime = op & kFutexClockRealtime;
  const uint64_t uaddr = a[0];
  const auto val = static_cast<uint32_t>(a[2]);
  const auto val3 = static_cast<uint32_t>(a[5]);

  std::optional<Deadline> deadline;
  if (a[3] && has_timeout(cmd)) {
    const abi::Timespec ts = TRY(t.mem().read(UserPtr<abi::Timespec>{a[3]}));
    if (!timespec_valid(ts)) return err(EINVAL);
    // FUTEX_WAIT's timeout is relative; the others are absolute on
    // CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag.
    deadline = cmd == kWait ? Deadline{steady_after(to_nanos(ts))}
                            : Deadline{steady_at(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, to_nanos(ts))};
  }
  if (realtime && cmd != kWaitBitset && cmd != kWaitRequeuePi && cmd != kLockPi2) return err(ENOSYS);

  switch (cmd) {
    case kWait:
      return futex_wait(t, uaddr, priv, val, kFutexBitsetMatchAny, deadline);
    case kWaitBitset:
      return futex_wait(t, uaddr, priv, val, val3, deadline);
    case kWake:
    case kWakeBitset: {
      const uint32_t bitset = cmd == kWake ? kFutexBitsetMatchAny : val3;
      if (bitset == 0) return err(EINVAL);
      const FutexKey key = TRY(futex_key(t, uaddr, priv));
      return futex_table(t.kernel()).wake(key, static_cast<int>(val), bitset);
    }
    case kRequeue:
    case kCmpRequeue:
      return futex_requeue(t, a, priv, cmd == kCmpRequeue);
    case kWakeOp:
      return futex_wake_op(t, a, priv);
    default:
      // Priority-inheritance futexes (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, the
      // REQUEUE_PI pair, LOCK_PI2) are not implemented: ENOSYS, what Linux
      // answers where it has no futex_cmpxchg. FUTEX_FD is gone from Linux.
      return err(ENOSYS);
  }
}

}  // namespace

void register_futex(SyscallTable& t) {
  using A = Arg;
  t.add(202, "futex", Support::Partial, sys_futex, {A::Ptr, A::Int, A::UInt, A::Ptr, A::Ptr, A::UInt},
        "no priority-inheritance ops (ENOSYS); WAKE_OP's update is not atomic against guest atomics on "
        "other CPUs; a restart without handler starts a relative FUTEX_WAIT timeout over; CLOCK_REALTIME "
        "deadlines do not follow clock changes");
}

}  // namespace lx
