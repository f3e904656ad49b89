#include "kernel/syscalls/Table.h"

namespace lx {

void register_file_info(SyscallTable&) {}

}  // namespace lx
