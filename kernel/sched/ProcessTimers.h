// Per-process timers: ITIMER_REAL (alarm/setitimer), the stored CPU-time
// itimers, and POSIX timers (timer_create). Expirations run as Kernel::
// timers() callbacks, with the big lock held, and send their signals from
// there. Everything here requires the big lock.
//
// The state is a side table keyed by thread group (ThreadGroup has no slot
// for it); timers_exit_group() must run before a group is freed.
#pragma once

#include <time.h>

#include <cstdint>
#include <map>
#include <optional>

#include "kernel/base/Result.h"
#include "kernel/sched/TimeConv.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

class ThreadGroup;

struct TimerValue {
  Nanos value{};     // time to the next expiration; zero: disarmed
  Nanos interval{};  // period after it; zero: one-shot
};

constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;

// setitimer/getitimer: `which` must be valid. set returns the old value.
TimerValue itimer_get(ThreadGroup& tg, int which);
TimerValue itimer_set(ThreadGroup& tg, int which, const TimerValue& v);

// What a POSIX timer does when it expires (a validated struct sigevent).
struct TimerNotify {
  bool none = false;  // SIGEV_NONE
  int signo = 0;
  uint64_t value = 0;  // si_value
  int tid = 0;         // SIGEV_THREAD_ID target, or 0 for the process
};

// timer_create: returns the new id. `notify` null: SIGALRM carrying the id.
int posix_timer_create(ThreadGroup& tg, clockid_t clock, const TimerNotify* notify);
bool posix_timer_exists(ThreadGroup& tg, int id);
// Arms (value non-zero) or disarms; `absolute`: value is a time on the
// timer's clock. Returns the previous setting. The id must exist.
TimerValue posix_timer_set(ThreadGroup& tg, int id, const TimerValue& v, bool absolute);
TimerValue posix_timer_get(ThreadGroup& tg, int id);
int posix_timer_overrun(ThreadGroup& tg, int id);
void posix_timer_delete(ThreadGroup& tg, int id);

// The group is gone: cancel and forget every timer (Linux: exit_itimers and
// the real_timer cancel at group exit).
void timers_exit_group(ThreadGroup& tg);
// execve: POSIX timers are deleted, itimers survive.
void timers_exec(ThreadGroup& tg);

}  // namespace lx
