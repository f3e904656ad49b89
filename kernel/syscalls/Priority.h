// Nice values (getpriority/setpriority, kernel/syscalls/priority.cpp).
#pragma once

namespace lx {

class SyscallTable;
class ThreadGroup;

void register_priority(SyscallTable& t);

// fork/clone: the child process starts with its parent's nice value.
void inherit_nice(ThreadGroup& parent, ThreadGroup& child);

}  // namespace lx
