// The one blocking helper syscall handlers use.
#pragma once

#include <initializer_list>

#include "kernel/Task.h"
#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

// Blocks `t` until ready() is true (checked first, and again after every
// wake-up on any of `queues`). Fails with kErestartsys when a signal is
// pending for the task (the dispatcher turns it into EINTR or a restart, per
// SA_RESTART), ETIMEDOUT once `deadline` passes. The caller holds the big
// lock; it is released while sleeping, so anything read before the call must
// be re-read after it.
template <typename Ready>
Result<void> wait_event(Task& t, std::initializer_list<WaitQueue*> queues, Ready ready,
                        const Deadline& deadline = {}, int interrupted_error = kErestartsys) {
  for (;;) {
    if (ready()) return {};
    if (t.interrupted()) return err(interrupted_error);
    if (deadline.expired()) return err(ETIMEDOUT);
    for (WaitQueue* q : queues)
      if (q) q->add(t);
    t.sleep(deadline);
    for (WaitQueue* q : queues)
      if (q) q->remove(t);
  }
}

}  // namespace lx
