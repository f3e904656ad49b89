// Terminal job control across the instance's processes: the controlling
// terminal of a session (ThreadGroup::ctty), foreground/background checks
// that stop background jobs with SIGTTIN/SIGTTOU, and the signals a
// terminal sends to its foreground process group. Big lock held throughout.
#pragma once

#include "kernel/base/Result.h"
#include "kernel/tty/Pty.h"

namespace lx {

class Kernel;
class Task;
class ThreadGroup;

// Sends sig (si_code SI_KERNEL) to every live process of group pgrp.
void signal_pgrp(Kernel& k, int pgrp, int sig);

// POSIX: no member has a parent in another group of the same session.
bool pgrp_orphaned(Kernel& k, int pgrp);

// __tty_check_change(): whether `t` may read (sig = SIGTTIN) or change /
// write to (SIGTTOU) `tty`. Ok unless `tty` is t's controlling terminal and
// t is in a background group: then EIO (SIGTTIN ignored or blocked, or an
// orphaned group), ok (SIGTTOU ignored or blocked), or the group is sent
// sig and kErestartsys comes back.
Result<void> tty_check_change(Task& t, Pty& tty, int sig);

// Makes `tty` the controlling terminal of t's session (t must lead it).
void set_ctty(ThreadGroup& tg, const PtyRef& tty);

// Every process of the instance whose controlling terminal is `tty` loses
// it; leaders of those sessions get SIGHUP and SIGCONT when `hangup`.
void detach_tty(Kernel& k, Pty& tty, bool hangup);

// A session leader dropping its terminal (TIOCNOTTY by the leader, or the
// leader's exit): the foreground group gets SIGHUP (and SIGCONT, except on
// exit, as Linux does for ptys), and the whole session loses the terminal.
void disassociate_ctty(ThreadGroup& leader, bool on_exit);

}  // namespace lx
