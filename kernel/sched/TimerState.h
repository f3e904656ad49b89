// Internal to the process timers (ProcessTimers.h): the per-group state and
// the arming helpers shared by itimers and POSIX timers. Big lock required.
#pragma once

#include <functional>
#include <map>
#include <optional>

#include "kernel/sched/ProcessTimers.h"

namespace lx {

class Kernel;

// One steady-clock timer and the Timers callback that serves it.
struct ArmedTimer {
  std::optional<SteadyClock::time_point> expiry;  // empty: disarmed
  Nanos interval{};
  uint64_t sched_id = 0;  // the pending Timers callback, 0 if none
  uint64_t token = 0;     // names the arming a callback belongs to
};

struct PosixTimer {
  clockid_t clock = CLOCK_MONOTONIC;
  TimerNotify notify;
  ArmedTimer timer;
  // Expirations folded into the queued signal while it waits for delivery,
  // and the count that went out with the last delivered one (what
  // timer_getoverrun reports).
  int overrun = 0;
  int overrun_last = 0;
  bool signal_out = false;  // a signal of this timer was queued and not yet seen delivered
};

struct GroupTimers {
  ArmedTimer real;
  TimerValue virt, prof;  // stored only: guest CPU time is not measured
  std::map<int, PosixTimer> posix;
  int next_id = 0;
};

GroupTimers* find_group_timers(const ThreadGroup& tg);
GroupTimers& group_timers(ThreadGroup& tg);

// Cancels the pending callback and disarms.
void disarm(Kernel& k, ArmedTimer& t);
// Arms t to expire at `at` (then every t.interval) and schedules `fire`
// with a fresh token; fire receives that token to check it is still current.
void arm(Kernel& k, ArmedTimer& t, SteadyClock::time_point at, std::function<void(uint64_t token)> fire);
// After an expiration: moves t.expiry past now by whole intervals and
// returns how many intervals that was.
int64_t forward(ArmedTimer& t, SteadyClock::time_point now);
// Schedules the next callback for t's (already forwarded) expiry.
void reschedule(Kernel& k, ArmedTimer& t, std::function<void(uint64_t token)> fire);
// The remaining time and interval as the get calls report them; when_due
// stands for "expired, not yet processed" (1 µs for itimers, 1 ns for POSIX
// timers, as Linux reports).
TimerValue timer_value(const ArmedTimer& t, Nanos when_due);

}  // namespace lx
