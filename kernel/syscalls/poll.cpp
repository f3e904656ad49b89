// poll(2) and ppoll(2): readiness of any open file through
// OpenFile::poll_events(), sleeping on the files' wait queues and host fds.
#include <vector>

#include "kernel/Task.h"
#include "kernel/syscalls/PollCommon.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

struct PollEntry {
  abi::PollFd pfd;
  OpenFileRef file;  // null: negative fd (ignored) or not open (POLLNVAL)
};

// do_sys_poll: copies the array in, evaluates it until something is ready,
// the timeout passes or a signal comes, and always writes every revents back.
Result<long> do_poll(Task& task, uint64_t ufds, uint64_t nfds_arg, const PollTimeout* timeout) {
  const uint64_t nfds = static_cast<uint32_t>(nfds_arg);
  if (nfds > static_cast<uint64_t>(task.fds().max_fds())) return err(EINVAL);
  std::vector<abi::PollFd> pfds(nfds);
  TRY(task.mem().copy_in(ufds, pfds.data(), nfds * sizeof(abi::PollFd)));
  std::vector<PollEntry> entries(nfds);
  PollWaitSet waits;
  for (size_t i = 0; i < nfds; ++i) {
    entries[i].pfd = pfds[i];
    if (pfds[i].fd < 0) continue;
    Result<OpenFileRef> f = task.fds().get(pfds[i].fd);
    // An O_PATH description cannot be polled: fdget() does not see it.
    if (!f.ok() || f.value()->is_path()) continue;
    entries[i].file = f.release_value();
    waits.add(*entries[i].file, static_cast<uint16_t>(pfds[i].events));
  }
  long count = 0;
  auto evaluate = [&] {
    count = 0;
    for (PollEntry& e : entries) {
      unsigned mask = 0;
      if (e.pfd.fd >= 0) {
        const unsigned filter = static_cast<uint16_t>(e.pfd.events) | abi::kPollErr | abi::kPollHup;
        mask = e.file ? (e.file->poll_events() & filter) : abi::kPollNval;
      }
      e.pfd.revents = static_cast<int16_t>(mask);
      if (mask) ++count;
    }
    return count > 0;
  };
  const Deadline deadline = timeout ? timeout->deadline : Deadline::never();
  Result<void> waited = waits.wait(task, evaluate, deadline);
  for (size_t i = 0; i < nfds; ++i) pfds[i].revents = entries[i].pfd.revents;
  // revents is written even for an interrupted call, as Linux does.
  for (size_t i = 0; i < nfds; ++i)
    TRY(task.mem().write(UserPtr<int16_t>{ufds + i * sizeof(abi::PollFd) + 6}, pfds[i].revents));
  if (!waited.ok() && waited.error() != ETIMEDOUT) return err(waited.error());
  return count;
}

Result<long> sys_poll(Task& task, const SyscallArgs& a) {
  const int timeout_ms = arg_int(a[2]);
  if (timeout_ms < 0) return do_poll(task, a[0], a[1], nullptr);
  const PollTimeout t = TRY(poll_timeout({timeout_ms / 1000, int64_t{timeout_ms % 1000} * 1000000}));
  return do_poll(task, a[0], a[1], &t);
}

Result<long> sys_ppoll(Task& task, const SyscallArgs& a) {
  const UserPtr<abi::Timespec> tsp{a[2]};
  std::optional<PollTimeout> timeout;
  if (!tsp.is_null()) timeout = TRY(poll_timeout(TRY(task.mem().read(tsp))));
  TempSigmask mask;
  TRY(mask.install(task, a[3], a[4]));
  Result<long> ret = do_poll(task, a[0], a[1], timeout ? &*timeout : nullptr);
  mask.finish(task, ret);
  // poll_select_finish: the time left goes back to the caller; when that
  // cannot be written the call cannot be restarted either.
  if (timeout && !timeout->zero && !task.mem().write(tsp, remaining(*timeout)).ok() && !ret.ok() &&
      ret.error() == kErestartnohand)
    return err(EINTR);
  return ret;
}

}  // namespace

void register_poll(SyscallTable& t) {
  using A = Arg;
  t.add(7, "poll", Support::Partial, sys_poll, {A::Ptr, A::UInt, A::Int},
        "a restart after a signal without handler starts the full timeout again (no restart block)");
  t.add(271, "ppoll", Support::Full, sys_ppoll, {A::Ptr, A::UInt, A::Ptr, A::Ptr, A::Size});
  register_select(t);
  register_epoll(t);
}

}  // namespace lx
