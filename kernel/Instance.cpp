// Instance mode (the lxss daemon): an init that outlives any one command,
// processes started from outside, and an end decided by the host side
// rather than by pid 1's first program.
#include "kernel/Kernel.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/signal/Signal.h"

namespace lx {

Result<int> Kernel::start_init(const SpawnRequest& req) {
  std::lock_guard lock(big_lock_);
  if (init_) return err(EBUSY);
  ThreadGroup& tg = *TRY(new_process(req));
  init_ = &tg;
  if (req.on_exit) exit_watchers_[tg.pid()] = req.on_exit;
  start_task(*tg.tasks.front());
  return tg.pid();
}

Result<int> Kernel::spawn(const SpawnRequest& req) {
  std::lock_guard lock(big_lock_);
  // A process needs a reaper: without init the instance is ending.
  if (!init_ || init_->exiting || init_->zombie) return err(ESRCH);
  ThreadGroup& tg = *TRY(new_process(req));
  tg.parent = init_;
  init_->children.push_back(&tg);
  if (req.on_exit) exit_watchers_[tg.pid()] = req.on_exit;
  start_task(*tg.tasks.front());
  return tg.pid();
}

void Kernel::group_ended(ThreadGroup& tg) {
  auto it = exit_watchers_.find(tg.pid());
  if (it == exit_watchers_.end()) return;
  const std::function<void(int)> watcher = std::move(it->second);
  exit_watchers_.erase(it);
  watcher(status_for_shell(tg.exit_status));
}

void Kernel::signal_process_group(int pgid, int sig) {
  std::lock_guard lock(big_lock_);
  for (auto& [pid, g] : groups_)
    if (!g->zombie && g->pgid == pgid) send_signal(*g, make_siginfo(sig, kSiKernel));
}

int Kernel::process_count() {
  std::lock_guard lock(big_lock_);
  int n = 0;
  for (auto& [pid, g] : groups_) n += g->zombie ? 0 : 1;
  return n;
}

void Kernel::shutdown() {
  std::unique_lock lock(big_lock_);
  kill_all();
  threads_done_.wait(lock, [&] { return live_threads_ == 0; });
  tasks_.clear();
  groups_.clear();
  init_ = nullptr;
  exit_watchers_.clear();
}

}  // namespace lx
