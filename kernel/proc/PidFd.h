// pidfds: an open file that names one process for its whole life, so a
// signal or wait through it can never hit a later process reusing the pid.
// The process shares a PidHandle with every pidfd naming it; the handle
// outlives the process and says whether it has exited and been reaped.
#pragma once

#include <memory>

#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class ThreadGroup;

struct PidHandle {
  ThreadGroup* group = nullptr;  // null once reaped (the group is gone)
  int pid = 0;
  bool exited = false;           // zombie or reaped: pollers see POLLIN
  WaitQueue waiters;             // poll/epoll/select sleepers on pidfds
};

// The handle of a live group, created on first use (under the big lock).
std::shared_ptr<PidHandle> pid_handle(ThreadGroup& tg);
// Lifecycle hooks: the group became a zombie / is being released.
void pid_handle_exited(ThreadGroup& tg);
void pid_handle_released(ThreadGroup& tg);

// A new pidfd description for tg; flags are the description's status flags
// (O_RDWR plus O_NONBLOCK for PIDFD_NONBLOCK).
OpenFileRef make_pidfd(ThreadGroup& tg, int flags);
// The handle behind a pidfd, or null if `f` is not one.
std::shared_ptr<PidHandle> pidfd_handle(OpenFile& f);

}  // namespace lx
