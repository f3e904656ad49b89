#include "kernel/syscalls/Table.h"

namespace lx {

void register_process(SyscallTable&) {}

}  // namespace lx
