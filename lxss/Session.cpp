#include "lxss/Session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "kernel/Spawn.h"
#include "kernel/exec/Exec.h"
#include "kernel/vfs/HostFile.h"
#include "lxss/Daemon.h"
#include "lxss/FindProgram.h"

namespace lx::lxss {

namespace {

// The process's end, handed from the kernel (under its big lock, where
// nothing may block) to the session thread: a non-blocking pipe.
struct ExitPipe {
  int fds[2] = {-1, -1};
  ExitPipe() {
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fds[0] = fds[1] = -1;
  }
  ~ExitPipe() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  ExitPipe(const ExitPipe&) = delete;
  ExitPipe& operator=(const ExitPipe&) = delete;
};

void reply_error(int sock, int status, const std::string& msg) {
  Writer w(MsgKind::Error);
  w.u32(static_cast<uint32_t>(status)).str(msg);
  (void)send_message(sock, w);
}

}  // namespace

void run_session(Daemon& daemon, int sock, const SessionRequest& req, std::vector<int> fds) {
  // The client's fds become the guest's stdio, as `lx run` wraps its own.
  std::vector<OpenFileRef> stdio(3);
  for (size_t i = 0; i < fds.size() && i < stdio.size(); ++i) {
    const int flags = fcntl(fds[i], F_GETFL);
    if (flags < 0) {
      ::close(fds[i]);
      continue;
    }
    stdio[i] = make_host_fd_file(fds[i], flags);
  }
  std::string error;
  std::shared_ptr<Instance> inst = daemon.attach(req, error);
  if (!inst) {
    reply_error(sock, 1, error);
    return;
  }
  auto exit_pipe = std::make_shared<ExitPipe>();
  if (exit_pipe->fds[0] < 0) {
    reply_error(sock, 1, std::string("cannot create a pipe: ") + std::strerror(errno));
    daemon.detach(inst);
    return;
  }
  SpawnRequest sp;
  sp.path = find_program(inst->kernel().vfs(), req.prog, req.envp);
  sp.argv = req.argv;
  sp.envp = req.envp;
  sp.cwd = req.cwd.empty() ? "/" : req.cwd;
  sp.uid = req.uid;
  sp.gid = req.gid;
  sp.groups = req.groups;
  sp.stdio = std::move(stdio);
  sp.on_exit = [exit_pipe](int status) {
    const auto st = static_cast<uint32_t>(status);
    (void)!::write(exit_pipe->fds[1], &st, sizeof st);
  };
  Result<int> pid = spawn_process(inst->kernel(), sp);
  sp.stdio.clear();  // the guest holds its own references now
  if (!pid.ok()) {
    const int e = pid.error();
    reply_error(sock, exec_failure_status(e), req.prog + ": " + std::strerror(e));
    daemon.detach(inst);
    return;
  }
  Writer started(MsgKind::Started);
  started.u32(static_cast<uint32_t>(pid.value()));
  bool client_there = send_message(sock, started);
  // Relay until the process ends or the client goes away.
  while (client_there) {
    pollfd pfd[2] = {{sock, POLLIN, 0}, {exit_pipe->fds[0], POLLIN, 0}};
    if (::poll(pfd, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (pfd[1].revents & POLLIN) {
      uint32_t st = 0;
      if (::read(exit_pipe->fds[0], &st, sizeof st) == static_cast<ssize_t>(sizeof st)) {
        Writer w(MsgKind::Exited);
        w.u32(st);
        (void)send_message(sock, w);
        break;
      }
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::optional<Reader> msg = recv_message(sock);
      if (!msg) {
        client_there = false;
        break;
      }
      if (msg->kind() == MsgKind::Signal) {
        const uint32_t sig = msg->u32();
        if (msg->ok() && sig >= 1 && sig <= 64) signal_process_group(inst->kernel(), pid.value(), static_cast<int>(sig));
      }
    }
  }
  // A client that vanished is a terminal hang-up for its process group.
  if (!client_there) signal_process_group(inst->kernel(), pid.value(), SIGHUP);
  daemon.detach(inst);
}

}  // namespace lx::lxss
