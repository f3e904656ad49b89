#include "kernel/sched/TimerState.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "kernel/Kernel.h"

namespace lx {
namespace {

// The side table. Its mutex only guards the map's shape (groups of several
// kernel instances may be added concurrently); an entry's contents belong to
// its kernel's big lock. Node-based, so entries stay put while others come
// and go.
std::mutex table_mu;
std::unordered_map<const ThreadGroup*, GroupTimers>& table() {
  static auto* t = new std::unordered_map<const ThreadGroup*, GroupTimers>;
  return *t;
}

uint64_t next_token() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}

// A period below this still counts every expiration but does not run the
// timer thread more often: one signal per this many nanoseconds is as fast
// as a pending signal can be consumed anyway.
constexpr Nanos kMinCallbackPeriod = std::chrono::microseconds(100);

void erase_group_timers(const ThreadGroup& tg) {
  std::lock_guard lock(table_mu);
  table().erase(&tg);
}

}  // namespace

GroupTimers* find_group_timers(const ThreadGroup& tg) {
  std::lock_guard lock(table_mu);
  auto it = table().find(&tg);
  return it == table().end() ? nullptr : &it->second;
}

GroupTimers& group_timers(ThreadGroup& tg) {
  std::lock_guard lock(table_mu);
  return table()[&tg];
}

void disarm(Kernel& k, ArmedTimer& t) {
  if (t.sched_id) k.timers().cancel(t.sched_id);
  t.sched_id = 0;
  t.token = 0;
  t.expiry.reset();
}

void arm(Kernel& k, ArmedTimer& t, SteadyClock::time_point at, std::function<void(uint64_t)> fire) {
  disarm(k, t);
  t.expiry = at;
  t.token = next_token();
  t.sched_id = k.timers().schedule(at, [fire = std::move(fire), token = t.token] { fire(token); });
}

int64_t forward(ArmedTimer& t, SteadyClock::time_point now) {
  if (!t.expiry || t.interval <= Nanos::zero() || *t.expiry > now) return 0;
  const auto late = std::chrono::duration_cast<Nanos>(now - *t.expiry);
  const int64_t periods = late / t.interval + 1;
  // Saturate: an absurd interval means "not again in this run".
  const Nanos step = periods > Nanos::max() / t.interval ? Nanos::max() : t.interval * periods;
  const auto room = std::chrono::duration_cast<Nanos>(SteadyClock::time_point::max() - *t.expiry);
  *t.expiry = step >= room ? SteadyClock::time_point::max()
                           : *t.expiry + std::chrono::duration_cast<SteadyClock::duration>(step);
  return periods;
}

void reschedule(Kernel& k, ArmedTimer& t, std::function<void(uint64_t)> fire) {
  if (!t.expiry) return;
  const auto soonest = steady_after(kMinCallbackPeriod);
  const auto at = *t.expiry < soonest && t.interval < kMinCallbackPeriod ? soonest : *t.expiry;
  t.sched_id = k.timers().schedule(at, [fire = std::move(fire), token = t.token] { fire(token); });
}

TimerValue timer_value(const ArmedTimer& t, Nanos when_due) {
  if (!t.expiry) return {Nanos::zero(), t.interval};
  Nanos left = remaining(*t.expiry);
  // Armed but due: Linux reports a small non-zero value rather than
  // "disarmed" until the expiration has been processed.
  if (left == Nanos::zero()) left = when_due;
  return {left, t.interval};
}

void timers_exit_group(ThreadGroup& tg) {
  GroupTimers* g = find_group_timers(tg);
  if (!g) return;
  disarm(tg.kernel(), g->real);
  for (auto& [id, timer] : g->posix) disarm(tg.kernel(), timer.timer);
  erase_group_timers(tg);
}

void timers_exec(ThreadGroup& tg) {
  GroupTimers* g = find_group_timers(tg);
  if (!g) return;
  for (auto& [id, timer] : g->posix) disarm(tg.kernel(), timer.timer);
  g->posix.clear();
  g->next_id = 0;
}

}  // namespace lx
