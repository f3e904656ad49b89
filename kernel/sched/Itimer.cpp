// Interval timers (setitimer/getitimer/alarm). ITIMER_REAL runs on the
// steady clock and sends SIGALRM to the process; ITIMER_VIRTUAL and
// ITIMER_PROF are stored and read back but never expire, because the guest's
// CPU time is not measured.
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/sched/TimerState.h"
#include "kernel/signal/Signal.h"

namespace lx {
namespace {

void real_fired(Kernel& k, int pid, uint64_t token) {
  ThreadGroup* tg = k.find_group(pid);
  GroupTimers* g = tg ? find_group_timers(*tg) : nullptr;
  if (!g || g->real.token != token || !g->real.expiry) return;
  // it_real_fn: SEND_SIG_PRIV, i.e. si_code SI_KERNEL.
  send_signal(*tg, make_siginfo(kSigAlrm, kSiKernel));
  if (g->real.interval <= Nanos::zero()) {
    g->real.expiry.reset();
    g->real.sched_id = 0;
    return;
  }
  forward(g->real, SteadyClock::now());  // missed periods are not counted for itimers
  reschedule(k, g->real, [&k, pid](uint64_t tok) { real_fired(k, pid, tok); });
}

}  // namespace

TimerValue itimer_get(ThreadGroup& tg, int which) {
  GroupTimers* g = find_group_timers(tg);
  if (!g) return {};
  switch (which) {
    case kItimerReal: return timer_value(g->real, std::chrono::microseconds(1));
    case kItimerVirtual: return g->virt;
    default: return g->prof;
  }
}

TimerValue itimer_set(ThreadGroup& tg, int which, const TimerValue& v) {
  const TimerValue old = itimer_get(tg, which);
  GroupTimers& g = group_timers(tg);
  // A zero value disarms and, as in Linux, forgets the interval too.
  const TimerValue next = v.value > Nanos::zero() ? v : TimerValue{};
  if (which == kItimerVirtual) {
    g.virt = next;
  } else if (which == kItimerProf) {
    g.prof = next;
  } else {
    Kernel& k = tg.kernel();
    disarm(k, g.real);
    g.real.interval = next.interval;
    if (next.value > Nanos::zero()) {
      const int pid = tg.pid();
      arm(k, g.real, steady_after(next.value), [&k, pid](uint64_t tok) { real_fired(k, pid, tok); });
    }
  }
  return old;
}

}  // namespace lx
