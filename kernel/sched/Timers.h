// Kernel timers: callbacks that run at a steady-clock deadline on the
// kernel's timer thread, with the big lock held (so they may send signals,
// wake wait queues, re-arm themselves).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "kernel/sched/WaitQueue.h"

namespace lx {

class Timers {
 public:
  using Callback = std::function<void()>;

  explicit Timers(std::mutex& big_lock);
  ~Timers();  // stops the thread; pending callbacks never run
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Schedules cb at `when`; returns an id for cancel(). Caller holds the big lock.
  uint64_t schedule(SteadyClock::time_point when, Callback cb);
  // Cancels a scheduled callback; no effect if it already ran. Caller holds the big lock.
  void cancel(uint64_t id);

 private:
  void run();

  std::mutex& big_lock_;
  std::mutex mu_;  // guards the queue; taken after the big lock, never before
  std::condition_variable cv_;
  std::multimap<SteadyClock::time_point, std::pair<uint64_t, Callback>> queue_;
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace lx
