#include "kernel/syscalls/Table.h"

namespace lx {

void register_memory(SyscallTable&) {}

}  // namespace lx
