// eventfd/eventfd2 (kernel/ipc/EventFd.h).
#include "kernel/Task.h"
#include "kernel/ipc/EventFd.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

Result<long> create(Task& task, uint32_t initial, int flags) {
  if (flags & ~(kEfdSemaphore | abi::kOCloexec | abi::kONonblock)) return err(EINVAL);
  auto file = std::make_shared<EventFd>(initial, (flags & kEfdSemaphore) != 0,
                                        abi::kORdwr | (flags & abi::kONonblock));
  return TRY(task.fds().install(std::move(file), (flags & abi::kOCloexec) != 0));
}

Result<long> sys_eventfd(Task& task, const SyscallArgs& a) { return create(task, static_cast<uint32_t>(a[0]), 0); }

Result<long> sys_eventfd2(Task& task, const SyscallArgs& a) {
  return create(task, static_cast<uint32_t>(a[0]), arg_int(a[1]));
}

}  // namespace

void register_eventfd(SyscallTable& t) {
  using A = Arg;
  t.add(284, "eventfd", Support::Full, sys_eventfd, {A::UInt});
  t.add(290, "eventfd2", Support::Full, sys_eventfd2, {A::UInt, A::Hex});
}

}  // namespace lx
