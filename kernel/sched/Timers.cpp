#include "kernel/sched/Timers.h"

#include <vector>

namespace lx {

Timers::Timers(std::mutex& big_lock) : big_lock_(big_lock), thread_([this] { run(); }) {}

Timers::~Timers() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t Timers::schedule(SteadyClock::time_point when, Callback cb) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  const bool earliest = queue_.empty() || when < queue_.begin()->first;
  queue_.emplace(when, std::make_pair(id, std::move(cb)));
  if (earliest) cv_.notify_all();
  return id;
}

void Timers::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->second.first == id) {
      queue_.erase(it);
      return;
    }
  }
}

void Timers::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      for (;;) {
        if (stop_) return;
        if (!queue_.empty() && queue_.begin()->first <= SteadyClock::now()) break;
        if (queue_.empty()) {
          cv_.wait(lock);
        } else {
          // A copy: cancel() may erase the entry while we sleep.
          const SteadyClock::time_point next = queue_.begin()->first;
          cv_.wait_until(lock, next);
        }
      }
    }
    // Due entries are taken with the big lock held, so cancel() (which runs
    // under it) either removed an entry already or it runs now: a cancelled
    // callback never runs late.
    std::lock_guard big(big_lock_);
    std::vector<Callback> due;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      const auto now = SteadyClock::now();
      while (!queue_.empty() && queue_.begin()->first <= now) {
        due.push_back(std::move(queue_.begin()->second.second));
        queue_.erase(queue_.begin());
      }
    }
    for (Callback& cb : due) cb();
  }
}

}  // namespace lx
