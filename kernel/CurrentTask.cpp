#include "kernel/CurrentTask.h"

namespace lx {

namespace {
thread_local Task* g_current = nullptr;
}  // namespace

Task* current_task() { return g_current; }

void set_current_task(Task* t) { g_current = t; }

}  // namespace lx
