#include "kernel/Spawn.h"

#include <map>
#include <mutex>

#include "kernel/exec/Exec.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/signal/Signal.h"
#include "kernel/syscalls/Process.h"

namespace lx {

namespace {

// Exit watchers of spawned groups. One table for every kernel of the
// process (a daemon runs several instances, each with its own big lock),
// so it has its own mutex, taken after a big lock and never around a
// callback. A group with a watcher always becomes a zombie before it is
// freed (Kernel's teardown kills and finishes every group), so the pointer
// key cannot be reused while registered.
std::mutex watchers_mu;
std::map<const ThreadGroup*, std::function<void(int)>>& watchers() {
  static std::map<const ThreadGroup*, std::function<void(int)>> table;
  return table;
}

}  // namespace

Result<int> spawn_process(Kernel& k, const SpawnRequest& req) {
  std::lock_guard lock(k.big_lock());
  ThreadGroup* init = k.init();
  if (!init || init->exiting || init->zombie) return err(ESRCH);
  auto proc = TRY(k.host().create_process());
  const int pid = TRY(k.alloc_pid());
  ThreadGroup& tg = k.adopt_group(std::make_unique<ThreadGroup>(k, std::move(proc), pid));
  init_default_rlimits(tg);
  tg.cwd = req.cwd;
  tg.pgid = tg.sid = pid;
  tg.uid = tg.euid = tg.suid = tg.fsuid = req.uid;
  tg.gid = tg.egid = tg.sgid = tg.fsgid = req.gid;
  tg.groups = req.groups;
  // Registered only once the image is loaded: a failed start leaves no task.
  auto task = std::make_unique<Task>(tg, tg.pico().main_thread(), pid);
  tg.tasks.push_back(task.get());
  Result<void> setup = [&]() -> Result<void> {
    for (size_t fd = 0; fd < req.stdio.size(); ++fd)
      if (req.stdio[fd]) TRY(tg.fds().install_at(static_cast<int>(fd), req.stdio[fd], false));
    TRY(exec_image(*task, ExecRequest{req.path, req.argv, req.envp}));
    return {};
  }();
  if (!setup.ok()) {
    tg.tasks.clear();
    k.release_group(tg);
    return err(setup.error());
  }
  tg.cmdline = req.argv;
  tg.parent = init;
  init->children.push_back(&tg);
  if (req.on_exit) {
    std::lock_guard wl(watchers_mu);
    watchers()[&tg] = req.on_exit;
  }
  Task& t = k.adopt_task(std::move(task));
  k.start_task(t);
  return pid;
}

void spawned_group_ended(ThreadGroup& tg) {
  std::function<void(int)> watcher;
  {
    std::lock_guard wl(watchers_mu);
    auto it = watchers().find(&tg);
    if (it == watchers().end()) return;
    watcher = std::move(it->second);
    watchers().erase(it);
  }
  const int st = tg.exit_status;
  watcher(status_signaled(st) ? 128 + status_termsig(st) : status_exit_code(st));
}

void signal_process_group(Kernel& k, int pgid, int sig) {
  std::lock_guard lock(k.big_lock());
  for (const auto& [pid, g] : k.groups())
    if (!g->zombie && g->pgid == pgid) send_signal(*g, make_siginfo(sig, kSiKernel));
}

int live_process_count(Kernel& k) {
  std::lock_guard lock(k.big_lock());
  int n = 0;
  for (const auto& [pid, g] : k.groups()) n += g->zombie ? 0 : 1;
  return n;
}

}  // namespace lx
