// Instance mode (the lxss daemon): processes started in a running instance
// from outside, not forked by a guest. The instance's pid 1 is an ordinary
// Kernel::run_program on a thread of the caller's; these add children of
// it. All thread-safe: they take the big lock themselves.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernel/Kernel.h"

namespace lx {

struct SpawnRequest {
  std::string path;  // guest path of the program
  std::vector<std::string> argv, envp;
  std::string cwd = "/";
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
  std::vector<OpenFileRef> stdio;  // fds 0, 1, 2 (null: closed)
  // Called once with the shell-style status (exit code, 128+signal) when
  // the process ends (becomes a zombie), with the big lock held: it must
  // not block or call back into the kernel.
  std::function<void(int)> on_exit;
};

// Starts req as a child of init, leader of a new session and process group,
// without a controlling terminal. Returns its pid; ESRCH when the instance
// has no live init; the exec errors of run_program (ENOENT, EACCES, ...).
Result<int> spawn_process(Kernel& k, const SpawnRequest& req);

// Sends sig to every live process of process group pgid.
void signal_process_group(Kernel& k, int pgid, int sig);

// Live (non-zombie) processes of the instance.
int live_process_count(Kernel& k);

// From group_became_zombie (big lock held): runs tg's on_exit, if any.
void spawned_group_ended(ThreadGroup& tg);

}  // namespace lx
