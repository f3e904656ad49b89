#include "kernel/syscalls/PollCommon.h"

#include <algorithm>
#include <chrono>

#include "kernel/ipc/Epoll.h"
#include "kernel/signal/SigInfo.h"

namespace lx {

Result<PollTimeout> poll_timeout(const abi::Timespec& ts) {
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return err(EINVAL);
  PollTimeout t;
  t.zero = ts.tv_sec == 0 && ts.tv_nsec == 0;
  // Far-future deadlines saturate instead of overflowing the clock.
  constexpr int64_t kMaxSec = int64_t{1} << 32;
  const auto d = std::chrono::seconds(std::min(ts.tv_sec, kMaxSec)) + std::chrono::nanoseconds(ts.tv_nsec);
  t.deadline = Deadline::in(d);
  return t;
}

abi::Timespec remaining(const PollTimeout& t) {
  if (!t.deadline.at) return {0, 0};
  const auto left = std::max(SteadyClock::duration::zero(), *t.deadline.at - SteadyClock::now());
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  return {ns / 1000000000, ns % 1000000000};
}

Result<void> TempSigmask::install(Task& t, uint64_t mask_addr, uint64_t size) {
  if (mask_addr == 0) return {};
  if (size != sizeof(uint64_t)) return err(EINVAL);
  const uint64_t mask = TRY(t.mem().read(UserPtr<uint64_t>{mask_addr}));
  t.saved_sigmask = t.sigmask;
  t.has_saved_sigmask = true;
  t.sigmask = mask & ~kUnblockable;
  installed_ = true;
  return {};
}

void TempSigmask::finish(Task& t, const Result<long>& ret, int interrupted) const {
  if (!installed_) return;
  if (!ret.ok() && ret.error() == interrupted) return;
  t.sigmask = t.saved_sigmask;
  t.has_saved_sigmask = false;
}

void PollWaitSet::add(OpenFile& f, unsigned events) {
  if (WaitQueue* q = f.wait_queue()) {
    if (std::find(queues_.begin(), queues_.end(), q) == queues_.end()) queues_.push_back(q);
    // An epoll instance's queue hears the queues of the files it watches,
    // not their host fds: those are polled too.
    if (EpollFile* ep = as_epoll(f)) ep->add_host_waits(*this);
    return;
  }
  const int fd = f.host_poll_fd();
  if (fd >= 0) host_.push_back({fd, static_cast<short>(events | abi::kPollErr | abi::kPollHup)});
}

}  // namespace lx
