// The provider sockets a guest's host process holds copies of, for
// pico::SocketIo (Process::lend_socket / reclaim_socket on the Linux host).
//
// A copy reaches the process once per socket (SCM_RIGHTS over LX_MAP_FD,
// LX_CMD_RECV_FD) and stays until the provider drops the socket; only then
// may the host socket close (a FIN, or an RST with unread data), so the
// copy must go first. The provider drops sockets at any time, while every
// guest thread may be running guest code, so copies are closed through a
// thread of the process that never runs guest code (the closer). A fork
// child inherits the copies and closes them at once (after_fork): its own
// set starts empty, and closing the guest socket still closes the host one.
#pragma once

#include <mutex>
#include <vector>

#include "kernel/base/Result.h"

namespace pico {

class LinuxProcess;
class LinuxThread;
class Process;

class LentSockets {
 public:
  // host_fd's number in the process of `via` (a stopped thread of proc).
  lx::Result<int> lend(LinuxProcess& proc, LinuxThread& via, int host_fd);
  void reclaim(int fd);
  // Called by the forking thread with mu() held, once the child exists.
  void after_fork(Process& child);
  // Held across a fork, so that no copy lands unnoticed in the child.
  std::mutex& mu() { return mu_; }

 private:
  std::mutex mu_;  // everything below
  LinuxThread* closer_ = nullptr;
  std::vector<int> lent_;
};

}  // namespace pico
