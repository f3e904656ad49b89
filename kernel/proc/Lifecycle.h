// Process and thread life cycle: exits, stops, reaping. Everything here runs
// with the kernel's big lock held.
#pragma once

#include "kernel/Task.h"

namespace lx {

// exit_group / a fatal signal: every thread of tg leaves; `status` is the
// wait status (code << 8, or the signal number | 0x80 for a core dump).
// Threads running guest code are kicked; the first caller's status wins.
void do_group_exit(ThreadGroup& tg, int status);

// A job-control stop of the whole group by `sig` (SIGSTOP, SIGTSTP, ...).
void do_group_stop(ThreadGroup& tg, int sig);
// SIGCONT's side effect at generation time: a stopped group runs again.
void do_group_continue(ThreadGroup& tg);

// The last thread of tg is gone: tg becomes a zombie (or is reaped at once
// when the parent ignores SIGCHLD), its children go to the reaper, its
// parent hears about it.
void group_became_zombie(ThreadGroup& tg);

// Exit-time work provided by the futex and timer code.
void futex_exit_robust_list(Task& t);
void futex_exit_clear_child_tid(Task& t);
void timers_exit_group(ThreadGroup& tg);

// Wait status helpers (what wait4 stores).
inline bool status_signaled(int st) { return (st & 0x7f) != 0; }
inline int status_exit_code(int st) { return (st >> 8) & 0xff; }
inline int status_termsig(int st) { return st & 0x7f; }
inline bool status_core(int st) { return (st & 0x80) != 0; }

}  // namespace lx
