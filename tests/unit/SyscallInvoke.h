// Runs a syscall handler the way the kernel's dispatcher does, for unit tests
// that drive handlers directly.
#pragma once

#include <cerrno>

#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx::test_support {

// What the guest would find in rax: the result, or -errno (ENOSYS for a
// number with no handler).
inline long invoke_syscall(Task& task, uint64_t nr, const SyscallArgs& args) {
  const SyscallEntry* e = SyscallTable::instance().find(nr);
  if (!e) return -ENOSYS;
  Result<long> r = e->handler(task, args);
  return r.ok() ? r.value() : -r.error();
}

}  // namespace lx::test_support
