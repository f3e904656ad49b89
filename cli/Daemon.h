// `lx` and the lxss daemon (lxss/Daemon.h): the hidden `lx --daemon` entry,
// distro sessions through the daemon, and the instance commands.
#pragma once

#include <string>

#include "cli/Run.h"

namespace lx::cli {

// `lx --daemon`: the daemon's main (started by connect_daemon, detached).
int daemon_main();

// Runs opts's command in the running instance of distro `name` (started if
// needed) and returns its status; the caller's stdio become the guest's.
int run_via_daemon(const RunOptions& opts, const std::string& name);

// Whether distro commands go through the daemon (LX_NO_DAEMON=1: one-shot).
bool use_daemon();

int terminate_distro(const std::string& name);
int shutdown_daemon();
int daemon_status();
// Prints the running distros of this LX_HOME.
int list_running();

}  // namespace lx::cli
