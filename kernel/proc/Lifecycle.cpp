#include "kernel/proc/Lifecycle.h"

#include <algorithm>

#include "kernel/Kernel.h"
#include "kernel/Spawn.h"
#include "kernel/proc/PidFd.h"
#include "kernel/tty/JobControl.h"

namespace lx {

namespace {

bool parent_ignores_sigchld(ThreadGroup& parent) {
  const SigAction& act = parent.sigactions[kSigChld - 1];
  return act.handler == kSigIgn || (act.flags & kSaNocldwait);
}

// SIGCHLD to the parent for a state change of child (CLD_* code).
void notify_parent(ThreadGroup& child, int code, int status) {
  ThreadGroup* parent = child.parent;
  if (!parent) return;
  const SigAction& act = parent->sigactions[kSigChld - 1];
  const bool stop_event = code == kCldStopped || code == kCldContinued;
  if (!(stop_event && (act.flags & kSaNocldstop))) {
    SigInfo info = make_siginfo(kSigChld, code);
    info.set_pid_uid(child.pid(), child.uid);
    info.set_status(status);
    if (!stop_event && child.exit_signal > 0 && child.exit_signal <= kNsig) info.signo = child.exit_signal;
    if (info.signo > 0 && (stop_event || child.exit_signal > 0)) send_signal(*parent, info);
  }
  parent->child_wait.wake_all();
}

// Where orphans go: the nearest child-subreaper ancestor, else init.
ThreadGroup* find_reaper(ThreadGroup& dying) {
  for (ThreadGroup* p = dying.parent; p; p = p->parent)
    if (p->child_subreaper && !p->exiting && !p->zombie) return p;
  ThreadGroup* init = dying.kernel().init();
  return init && init != &dying && !init->zombie ? init : nullptr;
}

}  // namespace

void do_group_exit(ThreadGroup& tg, int status) {
  if (tg.exiting) return;
  tg.exiting = true;
  tg.exit_status = status;
  tg.stopped = false;
  tg.stop_wait.wake_all();
  if (tg.mm_ref() && tg.mm_ref().use_count() == 1) {
    // Nobody else runs in this address space: tearing the host process down
    // stops every thread at once, wherever it is.
    tg.pico().kill();
  }
  for (Task* t : tg.tasks) t->kick();
}

void do_group_stop(ThreadGroup& tg, int sig) {
  if (tg.exiting || tg.stopped) return;
  tg.stopped = true;
  tg.stop_signal = sig;
  tg.stop_report_pending = true;
  tg.continue_report_pending = false;
  for (Task* t : tg.tasks) t->kick();
  notify_parent(tg, kCldStopped, sig);
}

void do_group_continue(ThreadGroup& tg) {
  // SIGCONT discards pending stop signals even when not stopped.
  const uint64_t stops = sigbit(kSigStop) | sigbit(kSigTstp) | sigbit(kSigTtin) | sigbit(kSigTtou);
  tg.shared_pending.discard(stops);
  for (Task* t : tg.tasks) t->pending.discard(stops);
  if (!tg.stopped) return;
  tg.stopped = false;
  tg.stop_report_pending = false;
  tg.continue_report_pending = true;
  tg.stop_wait.wake_all();
  notify_parent(tg, kCldContinued, kSigCont);
}

void group_became_zombie(ThreadGroup& tg) {
  Kernel& k = tg.kernel();
  tg.zombie = true;
  tg.exiting = true;
  pid_handle_exited(tg);
  timers_exit_group(tg);
  // Dropping the fd table closes pipe ends (readers see EOF) and the
  // address space goes with the last user.
  tg.set_fds(std::make_shared<FdTable>());
  tg.set_mm(nullptr);
  tg.release_vfork_parent();
  // A session leader's exit hangs its terminal up for the session.
  if (tg.sid == tg.pid()) disassociate_ctty(tg, true);
  tg.ctty.reset();

  // Orphans: reparent to the reaper; pdeath signals; zombies wake the reaper.
  ThreadGroup* reaper = find_reaper(tg);
  for (ThreadGroup* c : tg.children) {
    c->parent = reaper;
    if (reaper) reaper->children.push_back(c);
    for (Task* ct : c->tasks)
      if (ct->pdeath_signal) send_signal(*ct, make_siginfo(ct->pdeath_signal, kSiUser));
  }
  const bool had_children = !tg.children.empty();
  tg.children.clear();
  if (reaper && had_children) reaper->child_wait.wake_all();

  const int st = tg.exit_status;
  const int code = status_signaled(st) ? (status_core(st) ? kCldDumped : kCldKilled) : kCldExited;
  const int info_status = status_signaled(st) ? status_termsig(st) : status_exit_code(st);
  ThreadGroup* parent = tg.parent;
  const bool autoreap = parent && parent_ignores_sigchld(*parent) && tg.exit_signal == kSigChld;
  notify_parent(tg, code, info_status);
  k.group_exited().notify_all();
  spawned_group_ended(tg);
  // When init is gone, run_program decides when the rest of the instance
  // ends (see Kernel::run_program).
  if (&tg == k.init()) return;
  if (autoreap || !parent) k.release_group(tg);
}

}  // namespace lx
