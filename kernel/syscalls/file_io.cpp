#include "kernel/syscalls/Table.h"

namespace lx {

void register_file_io(SyscallTable&) {}

}  // namespace lx
