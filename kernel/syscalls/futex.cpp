// futex(2), for single-threaded thread groups: with no other thread to wake
// or be woken by, WAKE finds no waiters and WAIT can only time out, observe a
// changed value, or sleep forever. Shared futexes between processes and real
// waiting come with threads and fork.
#include <time.h>

#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

constexpr int kFutexWait = 0, kFutexWake = 1, kFutexRequeue = 3, kFutexCmpRequeue = 4, kFutexWakeOp = 5,
              kFutexWaitBitset = 9, kFutexWakeBitset = 10;
constexpr int kFutexPrivate = 128, kFutexClockRealtime = 256;

Result<long> futex_wait(Task& t, uint64_t uaddr, uint32_t expected, uint64_t timeout_addr, bool absolute,
                        clockid_t clock) {
  if (uaddr & 3) return err(EINVAL);
  uint32_t value = TRY(t.mem().read(UserPtr<uint32_t>{uaddr}));
  if (value != expected) return err(EAGAIN);
  if (timeout_addr == 0) {
    // Nobody else can ever wake this thread: sleep like Linux would.
    for (;;) pause();
  }
  abi::Timespec ts = TRY(t.mem().read(UserPtr<abi::Timespec>{timeout_addr}));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1'000'000'000) return err(EINVAL);
  timespec host{static_cast<time_t>(ts.tv_sec), static_cast<long>(ts.tv_nsec)};
  while (clock_nanosleep(clock, absolute ? TIMER_ABSTIME : 0, &host, absolute ? nullptr : &host) == EINTR) {
  }
  return err(ETIMEDOUT);
}

Result<long> sys_futex(Task& t, const SyscallArgs& a) {
  const int op = static_cast<int>(a[1]);
  const int cmd = op & ~(kFutexPrivate | kFutexClockRealtime);
  const bool realtime = op & kFutexClockRealtime;
  if (realtime && cmd != kFutexWaitBitset && cmd != kFutexWait) return err(ENOSYS);
  const uint64_t uaddr = a[0];
  const auto val = static_cast<uint32_t>(a[2]);
  switch (cmd) {
    case kFutexWait:
      return futex_wait(t, uaddr, val, a[3], false, CLOCK_MONOTONIC);
    case kFutexWaitBitset:
      if (static_cast<uint32_t>(a[5]) == 0) return err(EINVAL);
      return futex_wait(t, uaddr, val, a[3], true, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC);
    case kFutexWake:
    case kFutexWakeBitset:
      if (uaddr & 3) return err(EINVAL);
      if (cmd == kFutexWakeBitset && static_cast<uint32_t>(a[5]) == 0) return err(EINVAL);
      return 0;  // no other thread can be waiting
    case kFutexRequeue:
    case kFutexCmpRequeue: {
      if ((uaddr & 3) || (a[4] & 3)) return err(EINVAL);
      if (cmd == kFutexCmpRequeue) {
        uint32_t value = TRY(t.mem().read(UserPtr<uint32_t>{uaddr}));
        if (value != static_cast<uint32_t>(a[5])) return err(EAGAIN);
      }
      return 0;
    }
    case kFutexWakeOp:
      if ((uaddr & 3) || (a[4] & 3)) return err(EINVAL);
      return 0;
    default:
      return err(ENOSYS);
  }
}

}  // namespace

void register_futex(SyscallTable& t) {
  using A = Arg;
  t.add(202, "futex", Support::Partial, sys_futex, {A::Ptr, A::Int, A::UInt, A::Ptr, A::Ptr, A::UInt},
        "single-threaded: WAKE finds no waiters, WAIT only times out or sleeps; no PI ops");
}

}  // namespace lx
