// timerfd_create/timerfd_settime/timerfd_gettime (kernel/ipc/TimerFd.h).
#include <time.h>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Time.h"
#include "kernel/ipc/TimerFd.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kClockRealtimeAlarm = 8, kClockBoottimeAlarm = 9;

Result<long> sys_timerfd_create(Task& task, const SyscallArgs& a) {
  const int clock = arg_int(a[0]);
  const int flags = arg_int(a[1]);
  if (flags & ~(abi::kOCloexec | abi::kONonblock)) return err(EINVAL);
  clockid_t host_clock;
  switch (clock) {
    case CLOCK_REALTIME:
    case kClockRealtimeAlarm:
      host_clock = CLOCK_REALTIME;
      break;
    case CLOCK_MONOTONIC:
      host_clock = CLOCK_MONOTONIC;
      break;
    case CLOCK_BOOTTIME:
    case kClockBoottimeAlarm:
      host_clock = CLOCK_BOOTTIME;
      break;
    default:
      return err(EINVAL);
  }
  // The alarm clocks need CAP_WAKE_ALARM, which only root has here.
  if ((clock == kClockRealtimeAlarm || clock == kClockBoottimeAlarm) && task.tg().euid != 0) return err(EPERM);
  auto file = std::make_shared<TimerFd>(task.kernel().timers(), host_clock, abi::kORdwr | (flags & abi::kONonblock));
  return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
}

Result<TimerFd*> timerfd_of(const OpenFileRef& f) {
  auto* t = dynamic_cast<TimerFd*>(f.get());
  if (!t) return err(EINVAL);
  return t;
}

abi::Itimerspec to_itimerspec(const TimerFdSetting& s) { return {to_timespec(s.interval), to_timespec(s.value)}; }

Result<long> sys_timerfd_settime(Task& task, const SyscallArgs& a) {
  const int flags = arg_int(a[1]);
  const abi::Itimerspec its = TRY(task.mem().read(UserPtr<abi::Itimerspec>{a[2]}));
  if ((flags & ~(kTfdTimerAbstime | kTfdTimerCancelOnSet)) || !timespec_valid(its.it_value) ||
      !timespec_valid(its.it_interval))
    return err(EINVAL);
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  TimerFd* timer = TRY(timerfd_of(f));
  const TimerFdSetting old =
      timer->set({to_nanos(its.it_value), to_nanos(its.it_interval)}, (flags & kTfdTimerAbstime) != 0);
  if (a[3]) TRY(task.mem().write(UserPtr<abi::Itimerspec>{a[3]}, to_itimerspec(old)));
  return 0;
}

Result<long> sys_timerfd_gettime(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  TimerFd* timer = TRY(timerfd_of(f));
  TRY(task.mem().write(UserPtr<abi::Itimerspec>{a[1]}, to_itimerspec(timer->get())));
  return 0;
}

}  // namespace

void register_timerfd(SyscallTable& t) {
  using A = Arg;
  t.add(283, "timerfd_create", Support::Full, sys_timerfd_create, {A::ClockId, A::Hex});
  t.add(286, "timerfd_settime", Support::Partial, sys_timerfd_settime, {A::Fd, A::Hex, A::Ptr, A::Ptr},
        "an absolute CLOCK_REALTIME/BOOTTIME time is converted to the steady clock when set (later clock "
        "changes are not followed); TFD_TIMER_CANCEL_ON_SET is accepted and never fires (the guest cannot "
        "set the clock); the *_ALARM clocks do not wake a suspended host");
  t.add(287, "timerfd_gettime", Support::Full, sys_timerfd_gettime, {A::Fd, A::Ptr});
}

}  // namespace lx
