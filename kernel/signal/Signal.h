// Signal generation and delivery, implemented by the kernel.
//
// Generation (send_*) queues a signal on a task or thread group and wakes or
// kicks a thread that can take it. Delivery happens on the target task's own
// provider thread right before it resumes guest code (deliver_signals):
// default actions, job-control stops, or a Linux-layout rt_sigframe on the
// guest stack. Everything here runs under the kernel's big lock.
#pragma once

#include <cstdint>
#include <deque>

#include "kernel/base/Result.h"
#include "kernel/signal/SigInfo.h"

namespace lx {

class Task;
class ThreadGroup;

// Pending signals of a task (thread-directed) or a thread group (shared).
// Standard signals coalesce; real-time signals queue every instance.
struct PendingSignals {
  uint64_t set = 0;
  std::deque<SigInfo> queue;

  bool has(int sig) const { return (set & sigbit(sig)) != 0; }
  void add(const SigInfo& info);
  // Removes one instance of sig (the oldest); clears the bit when none is left.
  SigInfo take(int sig);
  void discard(uint64_t mask);
};

// Process-directed: any thread of tg that does not block sig takes it.
void send_signal(ThreadGroup& tg, const SigInfo& info);
// Thread-directed (tkill/tgkill, synchronous faults).
void send_signal(Task& t, const SigInfo& info);
// A synchronous signal caused by the task's own instruction (fault, int3):
// if blocked or ignored, Linux unblocks it and resets it to SIG_DFL.
void force_signal(Task& t, const SigInfo& info);

// Whether sig is ignored by tg (SIG_IGN, or SIG_DFL whose default is ignore).
bool signal_ignored(ThreadGroup& tg, int sig);

// Runs on the task's provider thread before resuming the guest. Handles
// the syscall restart of `syscall_result` (the value the syscall left in rax,
// possibly -kErestart*), stops, default actions and handler frames.
// Returns false when the task must exit instead of resuming.
bool deliver_signals(Task& t);

// rt_sigreturn(2): restores registers, mask, FP state and alternate stack
// from the frame at the guest stack pointer.
Result<void> sigreturn(Task& t);

}  // namespace lx
