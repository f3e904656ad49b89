// One attached `lx`: its process in the instance, started with the
// client's stdio fds (SCM_RIGHTS), and the relay of signals to it and of
// its exit status back. Runs on the connection's own daemon thread.
#pragma once

#include <vector>

#include "lxss/Protocol.h"

namespace lx::lxss {

class Daemon;

// Takes ownership of fds (the client's 0, 1, 2) and of nothing else; sock
// stays the caller's.
void run_session(Daemon& daemon, int sock, const SessionRequest& req, std::vector<int> fds);

}  // namespace lx::lxss
