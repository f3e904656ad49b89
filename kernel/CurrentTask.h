// The guest task a provider thread serves. Each guest task has its own
// provider thread for its whole life (Kernel::task_main), so "the caller" of
// a filesystem or device operation is a thread-local: code below the syscall
// layer that needs it (procfs's /proc/self, /dev/tty's controlling terminal,
// permission checks with the caller's credentials) asks here instead of
// threading a Task& through every interface. Null on threads that serve no
// task (the timer thread, the instance set-up in cli/ and tests).
#pragma once

namespace lx {

class Task;

Task* current_task();

// Binds the calling provider thread to `t` (nullptr unbinds).
void set_current_task(Task* t);

}  // namespace lx
