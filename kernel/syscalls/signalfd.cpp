// signalfd/signalfd4 (kernel/ipc/SignalFd.h).
#include "kernel/Task.h"
#include "kernel/ipc/SignalFd.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

Result<long> do_signalfd(Task& task, int fd, uint64_t mask_addr, uint64_t size, int flags) {
  // Linux's order: the size, the mask's address, then the flags.
  if (size != sizeof(uint64_t)) return err(EINVAL);
  const uint64_t mask = TRY(task.mem().read(UserPtr<uint64_t>{mask_addr})) & ~kUnblockable;
  if (flags & ~(abi::kOCloexec | abi::kONonblock)) return err(EINVAL);
  if (fd == -1) {
    auto file = std::make_shared<SignalFd>(mask, abi::kORdwr | (flags & abi::kONonblock));
    return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
  }
  OpenFileRef f = TRY(task.fds().get(fd));
  SignalFd* sfd = as_signalfd(*f);
  if (!sfd) return err(EINVAL);
  sfd->set_mask(mask);
  // Signals already pending may now match.
  task.tg().signalfd_wait.wake_all();
  return fd;
}

Result<long> sys_signalfd(Task& task, const SyscallArgs& a) { return do_signalfd(task, arg_int(a[0]), a[1], a[2], 0); }

Result<long> sys_signalfd4(Task& task, const SyscallArgs& a) {
  return do_signalfd(task, arg_int(a[0]), a[1], a[2], arg_int(a[3]));
}

}  // namespace

void register_signalfd(SyscallTable& t) {
  using A = Arg;
  t.add(282, "signalfd", Support::Full, sys_signalfd, {A::Fd, A::Ptr, A::Size});
  t.add(289, "signalfd4", Support::Full, sys_signalfd4, {A::Fd, A::Ptr, A::Size, A::Hex});
}

}  // namespace lx
