// alarm, setitimer/getitimer and the POSIX timer calls: argument decoding
// and checks in Linux's order. The timers themselves: kernel/sched/
// ProcessTimers.h.
#include <optional>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Time.h"
#include "kernel/sched/ProcessTimers.h"
#include "kernel/signal/SigInfo.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

abi::Itimerval to_itimerval(const TimerValue& v) { return {to_timeval(v.interval), to_timeval(v.value)}; }
abi::Itimerspec to_itimerspec(const TimerValue& v) { return {to_timespec(v.interval), to_timespec(v.value)}; }

bool valid_itimer(int which) { return which == kItimerReal || which == kItimerVirtual || which == kItimerProf; }

Result<long> sys_getitimer(Task& t, const SyscallArgs& a) {
  const int which = arg_int(a[0]);
  if (!valid_itimer(which)) return err(EINVAL);
  TRY(t.mem().write(UserPtr<abi::Itimerval>{a[1]}, to_itimerval(itimer_get(t.tg(), which))));
  return 0;
}

Result<long> sys_setitimer(Task& t, const SyscallArgs& a) {
  TimerValue next;
  // A null new value disarms (Linux accepts it, with a warning).
  if (a[1]) {
    const abi::Itimerval v = TRY(t.mem().read(UserPtr<abi::Itimerval>{a[1]}));
    if (!timeval_valid(v.it_value) || !timeval_valid(v.it_interval)) return err(EINVAL);
    next = {to_nanos(v.it_value), to_nanos(v.it_interval)};
  }
  const int which = arg_int(a[0]);
  if (!valid_itimer(which)) return err(EINVAL);
  const TimerValue old = itimer_set(t.tg(), which, next);
  // The new setting stays even if the old one cannot be stored.
  if (a[2]) TRY(t.mem().write(UserPtr<abi::Itimerval>{a[2]}, to_itimerval(old)));
  return 0;
}

Result<long> sys_alarm(Task& t, const SyscallArgs& a) {
  const auto seconds = static_cast<uint32_t>(a[0]);
  const TimerValue old = itimer_set(t.tg(), kItimerReal, {std::chrono::seconds(seconds), Nanos::zero()});
  // Whole seconds, rounded to nearest, but never 0 for a pending alarm.
  const abi::Timeval tv = to_timeval(old.value);
  int64_t secs = tv.tv_sec;
  if ((secs == 0 && tv.tv_usec) || tv.tv_usec >= 500000) ++secs;
  return secs;
}

// The host clock a POSIX timer's absolute times are read on. CPU-time
// timers count down in elapsed time (the guest's CPU time is not measured);
// their absolute values are taken against the same CPU clocks that
// clock_gettime reports, so the two stay consistent.
Result<clockid_t> timer_clock(Task& t, int id) {
  switch (id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    case 4: case 5: case 6: return err(EOPNOTSUPP);  // raw and coarse clocks have no timers
    case 7: return CLOCK_BOOTTIME;
    case 8: return CLOCK_REALTIME;  // the alarm clocks only add waking a suspended machine
    case 9: return CLOCK_BOOTTIME;
    case 11: return CLOCK_TAI;
    default: break;
  }
  if (id >= 0 || (id & 3) == 3) return err(EINVAL);  // unknown or fd-based (CLOCKFD)
  // A CPU clock of the caller itself: (~pid << 3) | which, bit 2 = per thread.
  const int pid = ~(id >> 3);
  const bool per_thread = id & 4;
  const int self = per_thread ? t.tid() : t.tg().pid();
  if (pid != 0 && pid != self) return err(EINVAL);
  return per_thread ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
}

// good_sigevent(): what Linux accepts in a struct sigevent.
Result<TimerNotify> parse_sigevent(Task& t, const abi::Sigevent& ev) {
  TimerNotify n;
  n.value = ev.value;
  n.signo = ev.signo;
  switch (ev.notify) {
    case abi::kSigevSignal | abi::kSigevThreadId: {
      Task* target = t.kernel().find_task(ev.thread_id);
      if (!target || &target->tg() != &t.tg()) return err(EINVAL);
      n.tid = ev.thread_id;
      [[fallthrough]];
    }
    case abi::kSigevSignal:
    case abi::kSigevThread:  // glibc never passes it; Linux treats it as SIGEV_SIGNAL
      if (ev.signo <= 0 || ev.signo > kNsig) return err(EINVAL);
      return n;
    case abi::kSigevNone:
      n.none = true;
      return n;
    default:
      return err(EINVAL);
  }
}

Result<long> sys_timer_create(Task& t, const SyscallArgs& a) {
  std::optional<abi::Sigevent> ev;
  if (a[1]) ev = TRY(t.mem().read(UserPtr<abi::Sigevent>{a[1]}));
  const clockid_t clock = TRY(timer_clock(t, arg_int(a[0])));
  std::optional<TimerNotify> notify;
  if (ev) notify = TRY(parse_sigevent(t, *ev));
  const int id = posix_timer_create(t.tg(), clock, notify ? &*notify : nullptr);
  if (!t.mem().write(UserPtr<int32_t>{a[2]}, id).ok()) {
    posix_timer_delete(t.tg(), id);
    return err(EFAULT);
  }
  return 0;
}

Result<long> sys_timer_settime(Task& t, const SyscallArgs& a) {
  const int id = arg_int(a[0]);
  if (!a[2]) return err(EINVAL);
  const abi::Itimerspec spec = TRY(t.mem().read(UserPtr<abi::Itimerspec>{a[2]}));
  if (!timespec_valid(spec.it_value) || !timespec_valid(spec.it_interval)) return err(EINVAL);
  if (!posix_timer_exists(t.tg(), id)) return err(EINVAL);
  // Flag bits other than TIMER_ABSTIME are ignored, as in Linux.
  const bool absolute = arg_int(a[1]) & abi::kTimerAbstime;
  const TimerValue old =
      posix_timer_set(t.tg(), id, {to_nanos(spec.it_value), to_nanos(spec.it_interval)}, absolute);
  if (a[3]) TRY(t.mem().write(UserPtr<abi::Itimerspec>{a[3]}, to_itimerspec(old)));
  return 0;
}

Result<long> sys_timer_gettime(Task& t, const SyscallArgs& a) {
  const int id = arg_int(a[0]);
  if (!posix_timer_exists(t.tg(), id)) return err(EINVAL);
  TRY(t.mem().write(UserPtr<abi::Itimerspec>{a[1]}, to_itimerspec(posix_timer_get(t.tg(), id))));
  return 0;
}

Result<long> sys_timer_getoverrun(Task& t, const SyscallArgs& a) {
  const int id = arg_int(a[0]);
  if (!posix_timer_exists(t.tg(), id)) return err(EINVAL);
  return posix_timer_overrun(t.tg(), id);
}

Result<long> sys_timer_delete(Task& t, const SyscallArgs& a) {
  const int id = arg_int(a[0]);
  if (!posix_timer_exists(t.tg(), id)) return err(EINVAL);
  posix_timer_delete(t.tg(), id);
  return 0;
}

}  // namespace

void register_timers(SyscallTable& t) {
  using A = Arg;
  t.add(37, "alarm", Support::Full, sys_alarm, {A::UInt});
  t.add(36, "getitimer", Support::Partial, sys_getitimer, {A::Int, A::Ptr},
        "ITIMER_VIRTUAL/ITIMER_PROF read back as set: they never count down");
  t.add(38, "setitimer", Support::Partial, sys_setitimer, {A::Int, A::Ptr, A::Ptr},
        "ITIMER_VIRTUAL/ITIMER_PROF are stored but never expire (guest CPU time is not measured)");
  t.add(222, "timer_create", Support::Partial, sys_timer_create, {A::ClockId, A::Ptr, A::Ptr},
        "CPU-time timers count elapsed time; other processes' CPU clocks are EINVAL; CLOCK_REALTIME "
        "timers do not follow clock changes");
  t.add(223, "timer_settime", Support::Full, sys_timer_settime, {A::Int, A::Int, A::Ptr, A::Ptr});
  t.add(224, "timer_gettime", Support::Full, sys_timer_gettime, {A::Int, A::Ptr});
  t.add(225, "timer_getoverrun", Support::Partial, sys_timer_getoverrun, {A::Int},
        "the count is fixed when delivery is noticed, not at dequeue");
  t.add(226, "timer_delete", Support::Full, sys_timer_delete, {A::Int});
}

}  // namespace lx
