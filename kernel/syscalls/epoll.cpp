// epoll_create/epoll_create1/epoll_ctl/epoll_wait/epoll_pwait/epoll_pwait2
// over the readiness poll(2) uses (kernel/ipc/Epoll.h).
#include <algorithm>
#include <climits>
#include <vector>

#include "kernel/Task.h"
#include "kernel/ipc/Epoll.h"
#include "kernel/syscalls/PollCommon.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kEpollCloexec = abi::kOCloexec;
constexpr uint64_t kMaxEvents = INT_MAX / sizeof(EpollEvent);

Result<long> create(Task& task, int flags) {
  if (flags & ~kEpollCloexec) return err(EINVAL);
  return TRY(task.fds().install(std::make_shared<EpollFile>(), (flags & kEpollCloexec) != 0));
}

Result<long> sys_epoll_create(Task& task, const SyscallArgs& a) {
  if (arg_int(a[0]) <= 0) return err(EINVAL);
  return create(task, 0);
}

Result<long> sys_epoll_create1(Task& task, const SyscallArgs& a) { return create(task, arg_int(a[0])); }

// Files whose readiness can change and be waited for (file_can_poll()).
bool can_poll(OpenFile& f) { return f.wait_queue() != nullptr || f.host_poll_fd() >= 0 || as_epoll(f); }

Result<long> sys_epoll_ctl(Task& task, const SyscallArgs& a) {
  const int op = arg_int(a[1]);
  const int fd = arg_int(a[2]);
  EpollEvent ev{0, 0};
  if (op != kEpollCtlDel) ev = TRY(task.mem().read(UserPtr<EpollEvent>{a[3]}));
  OpenFileRef ep = TRY(task.fds().get(arg_int(a[0])));
  OpenFileRef target = TRY(task.fds().get(fd));
  if (ep->is_path() || target->is_path()) return err(EBADF);
  if (!can_poll(*target)) return err(EPERM);
  EpollFile* epoll = as_epoll(*ep);
  if (!epoll || ep == target) return err(EINVAL);
  TRY(epoll->ctl(op, fd, target, ev));
  return 0;
}

// do_epoll_wait: EINTR (never restarted) when a signal interrupts.
Result<long> do_wait(Task& task, int epfd, uint64_t events, int maxevents, const Deadline& deadline) {
  if (maxevents <= 0 || static_cast<uint64_t>(maxevents) > kMaxEvents) return err(EINVAL);
  TRY(task.mem().check_range(events, static_cast<uint64_t>(maxevents) * sizeof(EpollEvent)));
  OpenFileRef ep = TRY(task.fds().get(epfd));
  EpollFile* epoll = as_epoll(*ep);
  if (!epoll) return err(EINVAL);
  // Only as many slots as could be filled: maxevents may be huge.
  std::vector<EpollEvent> out(std::min<size_t>(static_cast<size_t>(maxevents), 1024));
  size_t n = 0;
  for (;;) {
    if ((n = epoll->collect(out)) > 0) break;
    if (task.interrupted()) return err(EINTR);  // never restarted, as Linux
    if (deadline.expired()) break;
    // Rebuilt per sleep: epoll_ctl from another thread may change the host
    // fds to watch (the instance's queue covers everything else).
    PollWaitSet waits;
    waits.add(*epoll, abi::kPollIn);
    waits.sleep(task, deadline);
  }
  for (size_t i = 0; i < n; ++i) {
    if (!task.mem().write(UserPtr<EpollEvent>{events + i * sizeof(EpollEvent)}, out[i]).ok())
      return i > 0 ? static_cast<long>(i) : Result<long>(err(EFAULT));
  }
  return static_cast<long>(n);
}

Deadline ms_deadline(int timeout_ms) {
  if (timeout_ms < 0) return Deadline::never();
  return Deadline::in(std::chrono::milliseconds(timeout_ms));
}

Result<long> sys_epoll_wait(Task& task, const SyscallArgs& a) {
  return do_wait(task, arg_int(a[0]), a[1], arg_int(a[2]), ms_deadline(arg_int(a[3])));
}

Result<long> pwait(Task& task, const SyscallArgs& a, const Deadline& deadline) {
  TempSigmask mask;
  TRY(mask.install(task, a[4], a[5]));
  Result<long> ret = do_wait(task, arg_int(a[0]), a[1], arg_int(a[2]), deadline);
  mask.finish(task, ret, EINTR);
  return ret;
}

Result<long> sys_epoll_pwait(Task& task, const SyscallArgs& a) { return pwait(task, a, ms_deadline(arg_int(a[3]))); }

Result<long> sys_epoll_pwait2(Task& task, const SyscallArgs& a) {
  Deadline deadline = Deadline::never();
  if (a[3]) deadline = TRY(poll_timeout(TRY(task.mem().read(UserPtr<abi::Timespec>{a[3]})))).deadline;
  return pwait(task, a, deadline);
}

}  // namespace

void register_epoll(SyscallTable& t) {
  using A = Arg;
  t.add(213, "epoll_create", Support::Full, sys_epoll_create, {A::Int});
  t.add(291, "epoll_create1", Support::Full, sys_epoll_create1, {A::Hex});
  t.add(233, "epoll_ctl", Support::Partial, sys_epoll_ctl, {A::Fd, A::Int, A::Fd, A::Ptr},
        "level/edge-triggered, EPOLLONESHOT, nested instances with Linux's loop and depth checks (ELOOP); "
        "EPOLLEXCLUSIVE wakes one instance that has a waiter (every such instance when none has); "
        "EPOLLWAKEUP is ignored; "
        "EPOLLET counts any wake-up of the file, not only those carrying the watched events, and for "
        "host-fd files (stdio pipes, terminals) reports only when new bits appear");
  t.add(232, "epoll_wait", Support::Full, sys_epoll_wait, {A::Fd, A::Ptr, A::Int, A::Int});
  t.add(281, "epoll_pwait", Support::Full, sys_epoll_pwait, {A::Fd, A::Ptr, A::Int, A::Int, A::Ptr, A::Size});
  t.add(441, "epoll_pwait2", Support::Full, sys_epoll_pwait2, {A::Fd, A::Ptr, A::Int, A::Ptr, A::Ptr, A::Size});
}

}  // namespace lx
