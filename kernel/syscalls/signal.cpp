#include "kernel/syscalls/Table.h"

namespace lx {

void register_signal(SyscallTable&) {}

}  // namespace lx
