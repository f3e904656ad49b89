// Conversions between guest time values and the kernel's steady-clock
// deadlines. Every sleep and timer in the kernel runs on the steady clock;
// an absolute time on another clock is turned into a steady-clock point when
// the wait starts, so later jumps of that clock (settimeofday) are not
// followed (Linux re-evaluates CLOCK_REALTIME timers when the clock is set).
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

#include "kernel/abi/Time.h"
#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

using Nanos = std::chrono::nanoseconds;

// timespec64_valid(): what Linux accepts as a time value or duration.
inline bool timespec_valid(const abi::Timespec& ts) {
  return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1'000'000'000;
}
inline bool timeval_valid(const abi::Timeval& tv) {
  return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1'000'000;
}

// Saturates instead of overflowing (ktime_add_safe), so a huge timeout
// becomes "practically never" rather than a time in the past.
inline Nanos to_nanos(const abi::Timespec& ts) {
  constexpr int64_t kMaxSec = INT64_MAX / 1'000'000'000 - 1;
  if (ts.tv_sec > kMaxSec) return Nanos::max();
  return Nanos{ts.tv_sec * 1'000'000'000 + ts.tv_nsec};
}
inline Nanos to_nanos(const abi::Timeval& tv) {
  return to_nanos(abi::Timespec{tv.tv_sec, tv.tv_usec * 1000});
}
inline abi::Timespec to_timespec(Nanos d) {
  if (d < Nanos::zero()) d = Nanos::zero();
  return {d.count() / 1'000'000'000, d.count() % 1'000'000'000};
}
inline abi::Timeval to_timeval(Nanos d) {
  abi::Timespec ts = to_timespec(d);
  return {ts.tv_sec, ts.tv_nsec / 1000};
}

// now + d on the steady clock, saturating.
inline SteadyClock::time_point steady_after(Nanos d) {
  const auto now = SteadyClock::now();
  const auto room = SteadyClock::time_point::max() - now;
  if (d >= room) return SteadyClock::time_point::max();
  return now + std::chrono::duration_cast<SteadyClock::duration>(d);
}

// The steady-clock point at which host clock `clock` reads `abs`.
inline SteadyClock::time_point steady_at(clockid_t clock, Nanos abs) {
  timespec now{};
  ::clock_gettime(clock, &now);
  const Nanos left = abs - to_nanos(abi::Timespec{now.tv_sec, now.tv_nsec});
  if (left <= Nanos::zero()) return SteadyClock::now();
  return steady_after(left);
}

// Time left until `at` (zero once it passed).
inline Nanos remaining(SteadyClock::time_point at) {
  const auto now = SteadyClock::now();
  if (at <= now) return Nanos::zero();
  return std::chrono::duration_cast<Nanos>(at - now);
}

}  // namespace lx
