// POSIX per-process timers (timer_create and friends), on the steady clock.
//
// Overruns: while a timer's signal is still queued, further expirations are
// folded into it (its si_overrun is updated in place) instead of queueing
// another, as Linux does. Linux fixes the count at dequeue; having no hook
// there, we notice the delivery the next time we look (an expiration or
// timer_getoverrun) by the signal no longer being queued.
#include <climits>
#include <cstring>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/sched/TimerState.h"
#include "kernel/signal/Signal.h"

namespace lx {
namespace {

int32_t timer_id_of(const SigInfo& i) {
  int32_t v;
  std::memcpy(&v, i.fields, sizeof v);
  return v;
}

// This timer's signal, still waiting in a pending queue of the group.
SigInfo* queued_signal(ThreadGroup& tg, int id, int signo) {
  auto find_in = [&](PendingSignals& p) -> SigInfo* {
    if (!p.has(signo)) return nullptr;
    for (SigInfo& i : p.queue)
      if (i.signo == signo && i.code == kSiTimer && timer_id_of(i) == id) return &i;
    return nullptr;
  };
  if (SigInfo* i = find_in(tg.shared_pending)) return i;
  for (Task* t : tg.tasks)
    if (SigInfo* i = find_in(t->pending)) return i;
  return nullptr;
}

int clamp_overrun(int64_t n) { return n > INT_MAX ? INT_MAX : static_cast<int>(n); }

// Brings overrun_last up to date if the last signal has been delivered.
void note_delivery(ThreadGroup& tg, int id, PosixTimer& timer) {
  if (!timer.signal_out || queued_signal(tg, id, timer.notify.signo)) return;
  timer.signal_out = false;
  timer.overrun_last = timer.overrun;
  timer.overrun = 0;
}

void expire(ThreadGroup& tg, int id, PosixTimer& timer, int64_t missed) {
  note_delivery(tg, id, timer);
  if (SigInfo* queued = queued_signal(tg, id, timer.notify.signo)) {
    timer.overrun = clamp_overrun(int64_t{timer.overrun} + 1 + missed);
    queued->set_timer(id, timer.overrun);
    return;
  }
  timer.overrun = clamp_overrun(missed);
  SigInfo info = make_siginfo(timer.notify.signo, kSiTimer);
  info.set_timer(id, timer.overrun);
  info.set_value(timer.notify.value);
  if (timer.notify.tid) {
    Task* target = tg.kernel().find_task(timer.notify.tid);
    if (!target || &target->tg() != &tg) return;  // the thread is gone: Linux drops it too
    send_signal(*target, info);
  } else {
    send_signal(tg, info);
  }
  timer.signal_out = true;
}

void posix_fired(Kernel& k, int pid, int id, uint64_t token) {
  ThreadGroup* tg = k.find_group(pid);
  GroupTimers* g = tg ? find_group_timers(*tg) : nullptr;
  if (!g) return;
  auto it = g->posix.find(id);
  if (it == g->posix.end() || it->second.timer.token != token || !it->second.timer.expiry) return;
  PosixTimer& timer = it->second;
  int64_t missed = 0;
  if (timer.timer.interval > Nanos::zero()) {
    missed = forward(timer.timer, SteadyClock::now()) - 1;
  } else {
    timer.timer.expiry.reset();
    timer.timer.sched_id = 0;
  }
  expire(*tg, id, timer, missed);
  if (timer.timer.expiry)
    reschedule(k, timer.timer, [&k, pid, id](uint64_t tok) { posix_fired(k, pid, id, tok); });
}

PosixTimer* find_timer(ThreadGroup& tg, int id) {
  GroupTimers* g = find_group_timers(tg);
  if (!g) return nullptr;
  auto it = g->posix.find(id);
  return it == g->posix.end() ? nullptr : &it->second;
}

}  // namespace

int posix_timer_create(ThreadGroup& tg, clockid_t clock, const TimerNotify* notify) {
  GroupTimers& g = group_timers(tg);
  // Linux hands out increasing ids per process, wrapping at INT_MAX.
  int id = g.next_id;
  while (g.posix.count(id)) id = id == INT_MAX ? 0 : id + 1;
  g.next_id = id == INT_MAX ? 0 : id + 1;
  PosixTimer& timer = g.posix[id];
  timer.clock = clock;
  if (notify) {
    timer.notify = *notify;
  } else {
    timer.notify.signo = kSigAlrm;
    timer.notify.value = static_cast<uint64_t>(id);
  }
  return id;
}

bool posix_timer_exists(ThreadGroup& tg, int id) { return find_timer(tg, id) != nullptr; }

TimerValue posix_timer_get(ThreadGroup& tg, int id) {
  PosixTimer* timer = find_timer(tg, id);
  if (!timer) return {};
  // SIGEV_NONE timers have no callback: their periods advance when read.
  if (timer->notify.none) {
    if (timer->timer.expiry && *timer->timer.expiry <= SteadyClock::now()) {
      if (timer->timer.interval > Nanos::zero())
        forward(timer->timer, SteadyClock::now());
      else
        timer->timer.expiry.reset();
    }
    return timer_value(timer->timer, Nanos::zero());
  }
  return timer_value(timer->timer, Nanos{1});
}

TimerValue posix_timer_set(ThreadGroup& tg, int id, const TimerValue& v, bool absolute) {
  const TimerValue old = posix_timer_get(tg, id);
  PosixTimer* timer = find_timer(tg, id);
  if (!timer) return old;
  Kernel& k = tg.kernel();
  disarm(k, timer->timer);
  timer->overrun = 0;
  timer->overrun_last = 0;
  timer->signal_out = false;
  timer->timer.interval = Nanos::zero();
  if (v.value == Nanos::zero()) return old;  // disarmed, and the interval with it
  timer->timer.interval = v.interval;
  const auto at = absolute ? steady_at(timer->clock, v.value) : steady_after(v.value);
  if (timer->notify.none) {
    timer->timer.expiry = at;
    return old;
  }
  const int pid = tg.pid();
  arm(k, timer->timer, at, [&k, pid, id](uint64_t tok) { posix_fired(k, pid, id, tok); });
  return old;
}

int posix_timer_overrun(ThreadGroup& tg, int id) {
  PosixTimer* timer = find_timer(tg, id);
  if (!timer) return 0;
  note_delivery(tg, id, *timer);
  return timer->overrun_last;
}

void posix_timer_delete(ThreadGroup& tg, int id) {
  GroupTimers* g = find_group_timers(tg);
  if (!g) return;
  auto it = g->posix.find(id);
  if (it == g->posix.end()) return;
  disarm(tg.kernel(), it->second.timer);
  g->posix.erase(it);
}

}  // namespace lx
