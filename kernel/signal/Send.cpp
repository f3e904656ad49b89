// Signal generation: queueing and choosing who takes a signal.
#include "kernel/Kernel.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/signal/Signal.h"

namespace lx {

void PendingSignals::add(const SigInfo& info) {
  const int sig = info.signo;
  if (sig < kSigRtmin && has(sig)) return;  // standard signals do not queue
  set |= sigbit(sig);
  queue.push_back(info);
}

SigInfo PendingSignals::take(int sig) {
  SigInfo out = make_siginfo(sig, kSiKernel);
  bool found = false, more = false;
  for (auto it = queue.begin(); it != queue.end();) {
    if (it->signo != sig) {
      ++it;
    } else if (!found) {
      out = *it;
      found = true;
      it = queue.erase(it);
    } else {
      more = true;
      ++it;
    }
  }
  if (!more) set &= ~sigbit(sig);
  return out;
}

void PendingSignals::discard(uint64_t mask) {
  if (!(set & mask)) return;
  set &= ~mask;
  std::erase_if(queue, [&](const SigInfo& i) { return (mask & sigbit(i.signo)) != 0; });
}

namespace {

bool default_ignored(int sig) {
  return sig == kSigChld || sig == kSigCont || sig == kSigUrg || sig == kSigWinch;
}

bool is_stop_signal(int sig) { return sig == kSigStop || sig == kSigTstp || sig == kSigTtin || sig == kSigTtou; }

// Generation-time side effects every signal has on the whole group.
// Returns false when the signal is consumed here.
bool prepare_signal(ThreadGroup& tg, int sig) {
  if (tg.exiting) return false;
  if (sig == kSigCont) {
    do_group_continue(tg);
  } else if (is_stop_signal(sig)) {
    tg.shared_pending.discard(sigbit(kSigCont));
    for (Task* t : tg.tasks) t->pending.discard(sigbit(kSigCont));
  }
  return true;
}

// Whether an ignored sig can be dropped at generation. A blocked signal is
// kept (Linux's sig_ignored): the disposition may change before it is
// unblocked, and sigtimedwait may take it.
bool droppable(ThreadGroup& tg, int sig, bool blocked) {
  if (blocked) return false;
  return signal_ignored(tg, sig);
}

}  // namespace

bool signal_ignored(ThreadGroup& tg, int sig) {
  const SigAction& act = tg.sigactions[sig - 1];
  if (act.handler == kSigIgn) return true;
  return act.handler == kSigDfl && default_ignored(sig);
}

void send_signal(ThreadGroup& tg, const SigInfo& info) {
  const int sig = info.signo;
  if (sig < 1 || sig > kNsig || tg.zombie) return;
  if (sig == kSigKill) {
    do_group_exit(tg, kSigKill);
    return;
  }
  if (!prepare_signal(tg, sig)) return;
  Task* taker = nullptr;
  Task* leader = nullptr;
  for (Task* t : tg.tasks) {
    if (t->tid() == tg.pid()) leader = t;
    if (!taker && !(t->sigmask & sigbit(sig))) taker = t;
  }
  // Linux asks the task the pid named (the leader) whether it blocks sig.
  const bool leader_blocks = leader && ((leader->sigmask | leader->real_blocked) & sigbit(sig));
  if (droppable(tg, sig, taker == nullptr || leader_blocks)) return;
  tg.shared_pending.add(info);
  tg.signalfd_wait.wake_all();
  if (taker) taker->kick();
}

void send_signal(Task& t, const SigInfo& info) {
  const int sig = info.signo;
  ThreadGroup& tg = t.tg();
  if (sig < 1 || sig > kNsig || tg.zombie || t.exited) return;
  if (sig == kSigKill) {
    do_group_exit(tg, kSigKill);
    return;
  }
  if (!prepare_signal(tg, sig)) return;
  const bool blocked = (t.sigmask & sigbit(sig)) != 0;
  if (droppable(tg, sig, blocked || (t.real_blocked & sigbit(sig)))) return;
  t.pending.add(info);
  tg.signalfd_wait.wake_all();
  if (!blocked) t.kick();
}

void force_signal(Task& t, const SigInfo& info) {
  const int sig = info.signo;
  SigAction& act = t.tg().sigactions[sig - 1];
  if (act.handler == kSigIgn || (t.sigmask & sigbit(sig))) {
    // A fault the task cannot take would loop forever: Linux makes it fatal.
    t.sigmask &= ~sigbit(sig);
    act.handler = kSigDfl;
  }
  t.pending.add(info);
  t.tg().signalfd_wait.wake_all();
}

}  // namespace lx
