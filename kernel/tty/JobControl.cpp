#include "kernel/tty/JobControl.h"

#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/signal/Signal.h"

namespace lx {

void signal_pgrp(Kernel& k, int pgrp, int sig) {
  if (pgrp <= 0) return;
  // Collected first: sending may change the group map (SIGKILL exits).
  std::vector<ThreadGroup*> targets;
  for (const auto& [pid, g] : k.groups())
    if (!g->zombie && g->pgid == pgrp) targets.push_back(g.get());
  for (ThreadGroup* g : targets) send_signal(*g, make_siginfo(sig, kSiKernel));
}

bool pgrp_orphaned(Kernel& k, int pgrp) {
  for (const auto& [pid, g] : k.groups()) {
    if (g->zombie || g->pgid != pgrp) continue;
    const ThreadGroup* p = g->parent;
    if (p && p->pgid != pgrp && p->sid == g->sid) return false;
  }
  return true;
}

Result<void> tty_check_change(Task& t, Pty& tty, int sig) {
  ThreadGroup& tg = t.tg();
  if (tg.ctty.get() != &tty) return {};
  if (tty.pgrp == 0 || tg.pgid == tty.pgrp) return {};
  const bool ignored = (t.sigmask & sigbit(sig)) || tg.sigactions[sig - 1].handler == kSigIgn;
  if (ignored) {
    if (sig == kSigTtin) return err(EIO);
    return {};
  }
  if (pgrp_orphaned(t.kernel(), tg.pgid)) return err(EIO);
  signal_pgrp(t.kernel(), tg.pgid, sig);
  return err(kErestartsys);
}

void set_ctty(ThreadGroup& tg, const PtyRef& tty) {
  tty->session = tg.sid;
  tty->pgrp = tg.pgid;
  tg.ctty = tty;
}

void detach_tty(Kernel& k, Pty& tty, bool hangup) {
  std::vector<ThreadGroup*> leaders;
  for (const auto& [pid, g] : k.groups()) {
    if (g->ctty.get() != &tty) continue;
    g->ctty.reset();
    if (hangup && g->sid == g->pid() && !g->zombie) leaders.push_back(g.get());
  }
  tty.session = 0;
  tty.pgrp = 0;
  for (ThreadGroup* g : leaders) {
    send_signal(*g, make_siginfo(kSigHup, kSiKernel));
    send_signal(*g, make_siginfo(kSigCont, kSiKernel));
  }
}

void disassociate_ctty(ThreadGroup& leader, bool on_exit) {
  PtyRef tty = leader.ctty;
  if (!tty) return;
  Kernel& k = leader.kernel();
  const int fg = tty->pgrp;
  if (fg > 0) {
    signal_pgrp(k, fg, kSigHup);
    if (!on_exit) signal_pgrp(k, fg, kSigCont);
  }
  for (const auto& [pid, g] : k.groups())
    if (g->sid == leader.sid && g->ctty == tty) g->ctty.reset();
  tty->session = 0;
  tty->pgrp = 0;
}

}  // namespace lx
