// strace-format rendering of finished syscalls for `lx run --trace`. Output
// follows strace's defaults (-s 32) so traces can be diffed against strace
// run on a real Linux.
#pragma once

#include <cstdint>
#include <string>

#include "kernel/base/UserMemory.h"
#include "kernel/syscalls/Table.h"

namespace lx {

// One line without the trailing newline, e.g.
//   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//   openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
// Called after the handler ran, so output buffers (read's) show what the
// guest received. `e` may be null (or nameless) for syscalls without an entry:
// they print by libseccomp's name, or syscall_<nr>, with all six args in hex.
// Guest memory is only peeked: unreadable pointers print as addresses.
std::string format_syscall(const SyscallEntry* e, uint64_t nr, const SyscallArgs& a, long result,
                           const GuestMemory& mem);

}  // namespace lx
