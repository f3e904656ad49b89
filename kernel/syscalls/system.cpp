#include "kernel/syscalls/Table.h"

namespace lx {

void register_system(SyscallTable&) {}

}  // namespace lx
