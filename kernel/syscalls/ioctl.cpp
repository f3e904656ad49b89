#include "kernel/syscalls/Table.h"

namespace lx {

void register_ioctl(SyscallTable&) {}

}  // namespace lx
