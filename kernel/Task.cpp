#include "kernel/Task.h"

namespace lx {

ThreadGroup::ThreadGroup(Kernel& kernel, std::unique_ptr<pico::Process> proc, int pid)
    : kernel_(kernel), pico_(std::move(proc)), mem_(*pico_), pid_(pid) {
  mm_.set_reserved(pico_->reserved());
}

}  // namespace lx
