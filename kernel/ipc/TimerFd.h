// A timerfd (timerfd_create(2)): a timer whose expirations are counted and
// read as a u64 instead of sending a signal. It runs on the kernel's timer
// thread (sched/Timers.h) on the steady clock; an absolute time on
// CLOCK_REALTIME or CLOCK_BOOTTIME is converted when the timer is set.
//
// The count is brought up to date from the clock whenever it is looked at
// (read, poll, gettime), so a late timer-thread callback never makes a read
// see fewer expirations than have passed; the callback exists to wake
// sleepers. Guarded by the big lock.
#pragma once

#include <time.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "kernel/sched/TimeConv.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Timers;

constexpr int kTfdTimerAbstime = 1, kTfdTimerCancelOnSet = 2;

struct TimerFdSetting {
  Nanos value{};     // zero: disarmed
  Nanos interval{};  // zero: one-shot
};

class TimerFd final : public OpenFile {
 public:
  TimerFd(Timers& timers, clockid_t clock, int status_flags);
  ~TimerFd() override;

  // timerfd_settime: returns the old setting (what gettime said before).
  TimerFdSetting set(const TimerFdSetting& v, bool absolute);
  TimerFdSetting get();

  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  unsigned poll_events() override;
  WaitQueue* wait_queue() override;

 private:
  // What the timer-thread callback may touch: it outlives the file only as
  // long as a callback is queued, and finds `alive` false then.
  struct State {
    std::optional<SteadyClock::time_point> expiry;
    Nanos interval{};
    uint64_t ticks = 0;
    uint64_t token = 0;  // names the current arming; stale callbacks see another
    uint64_t sched_id = 0;
    WaitQueue queue;
  };
  static void fired(Timers& timers, const std::weak_ptr<State>& weak, uint64_t token);
  static void update(State& s);
  static void schedule(Timers& timers, const std::shared_ptr<State>& s);

  Timers& timers_;
  clockid_t clock_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace lx
