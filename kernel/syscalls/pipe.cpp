// pipe(2) and pipe2(2). The pipe itself is kernel/ipc/Pipe.h; F_GETPIPE_SZ
// and F_SETPIPE_SZ are dispatched from fcntl (file_io.cpp).
#include <array>

#include "kernel/Task.h"
#include "kernel/ipc/PipeFile.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kONotificationPipe = abi::kOExcl;  // watch_queue pipes

Result<long> do_pipe2(Task& task, uint64_t fds_addr, int flags) {
  if (flags & ~(abi::kOCloexec | abi::kONonblock | abi::kODirect | kONotificationPipe)) return err(EINVAL);
  // Linux without CONFIG_WATCH_QUEUE: the kernel has no notification pipes.
  if (flags & kONotificationPipe) return err(ENOPKG);
  auto [r, w] = make_pipe(flags, task.tg().fsuid, task.tg().fsgid);
  const bool cloexec = (flags & abi::kOCloexec) != 0;
  // Both descriptors or neither: Linux reserves both slots, copies the
  // numbers out, and only then installs the files.
  const int rfd = TRY(task.fds().install(std::move(r), cloexec));
  Result<int> wfd = task.fds().install(std::move(w), cloexec);
  if (!wfd.ok()) {
    (void)task.fds().close(rfd);
    return err(wfd.error());
  }
  const std::array<int, 2> out{rfd, wfd.value()};
  if (!task.mem().write(UserPtr<std::array<int, 2>>{fds_addr}, out).ok()) {
    (void)task.fds().close(rfd);
    (void)task.fds().close(wfd.value());
    return err(EFAULT);
  }
  return 0;
}

Result<long> sys_pipe(Task& task, const SyscallArgs& a) { return do_pipe2(task, a[0], 0); }

Result<long> sys_pipe2(Task& task, const SyscallArgs& a) { return do_pipe2(task, a[0], arg_int(a[1])); }

}  // namespace

void register_pipe(SyscallTable& t) {
  using A = Arg;
  t.add(22, "pipe", Support::Full, sys_pipe, {A::Ptr});
  t.add(293, "pipe2", Support::Partial, sys_pipe2, {A::Ptr, A::OpenFlags},
        "O_NOTIFICATION_PIPE is ENOPKG (no watch queues); pipes are not visible in /proc/<pid>/fd yet");
}

}  // namespace lx
