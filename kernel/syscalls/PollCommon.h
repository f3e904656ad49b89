// What poll/ppoll/select/pselect6 (and later epoll) share: timeouts with
// Linux's write-back of the remaining time, the temporary signal mask of
// ppoll/pselect6, and sleeping until any of a set of files is ready.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/abi/Poll.h"
#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/FileWait.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

// A poll_select_set_timeout() result: no deadline (wait forever), or an
// end time; a zero timeout has an end time that has already passed and
// `zero` set (Linux then never writes the remaining time back).
struct PollTimeout {
  Deadline deadline;
  bool zero = false;
};

// EINVAL unless 0 <= tv_nsec < 1e9 and tv_sec >= 0.
Result<PollTimeout> poll_timeout(const abi::Timespec& ts);
// What is left of a timeout, clamped at zero.
abi::Timespec remaining(const PollTimeout& t);

// ppoll/pselect6's sigmask argument: installs the mask for the duration of
// the call, remembering the old one in the task (saved_sigmask) so the
// signal code can restore it after a handler frame is set up.
class TempSigmask {
 public:
  // mask_addr 0: nothing. EINVAL unless size is 8, EFAULT if unreadable.
  Result<void> install(Task& t, uint64_t mask_addr, uint64_t size);
  // restore_saved_sigmask_unless(ret == -interrupted): interrupted calls
  // leave the restore to signal delivery (ERESTARTNOHAND for poll/select,
  // EINTR for epoll_pwait).
  void finish(Task& t, const Result<long>& ret, int interrupted = kErestartnohand) const;

 private:
  bool installed_ = false;
};

// Files to sleep on: each contributes its wait queue or its host fd.
class PollWaitSet {
 public:
  void add(OpenFile& f, unsigned events);
  // Sleeps until ready() or the deadline; kErestartnohand when a signal is
  // pending (ERESTARTNOHAND: EINTR if a handler runs, else restart).
  template <typename Ready>
  Result<void> wait(Task& t, Ready ready, const Deadline& deadline, int interrupted = kErestartnohand) {
    return wait_until(t, queues_, host_, ready, deadline, interrupted);
  }
  // One sleep on everything added (spurious returns are possible).
  void sleep(Task& t, const Deadline& deadline) { sleep_on(t, queues_, host_, deadline); }

 private:
  std::vector<WaitQueue*> queues_;
  std::vector<HostPoll> host_;
};

// The events select() tests per set (POLLIN_SET, POLLOUT_SET, POLLEX_SET).
constexpr unsigned kSelectIn = abi::kPollRdnorm | abi::kPollRdband | abi::kPollIn | abi::kPollHup | abi::kPollErr;
constexpr unsigned kSelectOut = abi::kPollWrband | abi::kPollWrnorm | abi::kPollOut | abi::kPollErr;
constexpr unsigned kSelectEx = abi::kPollPri;

// select.cpp's and epoll.cpp's entries; register_poll calls them.
class SyscallTable;
void register_select(SyscallTable& t);
void register_epoll(SyscallTable& t);

}  // namespace lx
