// The client half of a daemon session and the instance commands
// (--terminate, --shutdown, --status, --list --running).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cli/Daemon.h"
#include "lxss/Client.h"
#include "lxss/Daemon.h"
#include "lxss/Registry.h"

namespace lx::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "lx: %s\n", msg.c_str());
  return kStatusProviderError;
}

// What lx forwards to the session's process group.
sigset_t session_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH}) sigaddset(&set, sig);
  return set;
}

}  // namespace

bool use_daemon() {
  const char* v = std::getenv("LX_NO_DAEMON");
  return !v || !*v || std::strcmp(v, "0") == 0;
}

int run_via_daemon(const RunOptions& opts, const std::string& name) {
  lxss::SessionRequest req;
  req.lx_home = lxss::lx_home();
  req.name = name;
  req.rootfs = opts.lxfs;
  req.hostname = opts.hostname;
  req.net = opts.net;
  for (const HostMount& m : opts.mounts) req.mounts.insert(req.mounts.end(), {m.host, m.guest, m.read_only ? "ro" : "rw"});
  for (const PathMapping& m : opts.interop_mounts) req.interop_mounts.insert(req.interop_mounts.end(), {m.guest, m.host});
  for (const PathMapping& m : opts.paths) req.paths.insert(req.paths.end(), {m.guest, m.host});
  req.root_host_dir = opts.root_host_dir;
  req.prog = opts.command.front();
  req.argv = opts.command;
  if (!opts.argv0.empty()) req.argv[0] = opts.argv0;
  if (opts.envp) req.envp = *opts.envp;
  req.cwd = opts.cwd;
  req.uid = opts.uid;
  req.gid = opts.gid;
  req.groups = opts.groups;

  // Block before connecting: a Ctrl-C from now on is forwarded, not fatal.
  const sigset_t sigs = session_signals();
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  const int sfd = ::signalfd(-1, &sigs, SFD_CLOEXEC);
  std::string error;
  const int sock = lxss::connect_daemon(true, error);
  if (sock < 0) return fail(error);
  // A closed stdio slot is /dev/null for the guest (SCM_RIGHTS keeps no holes).
  std::vector<int> fds, opened;
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) {
      fds.push_back(fd);
    } else {
      opened.push_back(::open("/dev/null", O_RDWR | O_CLOEXEC));
      fds.push_back(opened.back());
    }
  }
  lxss::Writer msg = lxss::encode(req);
  const bool sent = lxss::send_message(sock, msg, fds);
  for (int fd : opened) ::close(fd);
  const std::string gone = "the lx daemon went away during the session (see " + lxss::runtime_dir() + "/lxss.log)";
  if (!sent) return fail(gone);
  for (;;) {
    pollfd pfd[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (::poll(pfd, sfd >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return fail(gone);
    }
    if (sfd >= 0 && (pfd[1].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        lxss::Writer w(lxss::MsgKind::Signal);
        w.u32(si.ssi_signo);
        (void)lxss::send_message(sock, w);
      }
    }
    if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      std::optional<lxss::Reader> reply = lxss::recv_message(sock);
      if (!reply) return fail(gone);
      switch (reply->kind()) {
        case lxss::MsgKind::Started:
          break;
        case lxss::MsgKind::Exited: {
          const uint32_t st = reply->u32();
          return reply->ok() ? static_cast<int>(st) : fail(gone);
        }
        case lxss::MsgKind::Error: {
          const uint32_t st = reply->u32();
          const std::string text = reply->str();
          std::fprintf(stderr, "lx: %s\n", text.c_str());
          return st == 0 ? kStatusProviderError : static_cast<int>(st);
        }
        default:
          return fail(gone);
      }
    }
  }
}

int terminate_distro(const std::string& name) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (lxss::Error e = reg.load(data); !e.empty()) return fail(e);
  if (!data.find(name)) return fail("no distro named '" + name + "' (see lx --list)");
  lxss::Writer w(lxss::MsgKind::Terminate);
  w.str(lxss::lx_home()).str(name);
  std::string error;
  std::optional<lxss::Reader> reply = lxss::request(w, false, error);
  if (!reply || reply->kind() == lxss::MsgKind::Error) return fail("distro '" + name + "' is not running");
  return 0;
}

int shutdown_daemon() {
  const int pid = lxss::daemon_pid();
  lxss::Writer w(lxss::MsgKind::Shutdown);
  std::string error;
  std::optional<lxss::Reader> reply = lxss::request(w, false, error);
  if (!reply) return 0;  // none running: nothing to shut down
  // Returns once the daemon process itself is gone.
  for (int i = 0; pid > 0 && i < 1000 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return 0;
}

int daemon_status() {
  std::string error;
  const int fd = lxss::connect_daemon(false, error);
  if (fd < 0) {
    if (errno != ENOENT && errno != ECONNREFUSED) return fail(error);
    std::printf("lx daemon: not running (socket %s)\n", lxss::socket_path().c_str());
    return 0;
  }
  ::close(fd);
  lxss::Writer w(lxss::MsgKind::Status);
  std::optional<lxss::Reader> reply = lxss::request(w, false, error);
  if (!reply) return fail(error);
  const std::string text = reply->str();
  std::fputs(text.c_str(), stdout);
  return 0;
}

int list_running() {
  lxss::Writer w(lxss::MsgKind::ListRunning);
  w.str(lxss::lx_home());
  std::string error;
  std::optional<lxss::Reader> reply = lxss::request(w, false, error);
  std::vector<std::string> names;
  if (reply && reply->kind() == lxss::MsgKind::Names) names = reply->strs();
  if (names.empty()) std::fprintf(stderr, "lx: no running distros\n");
  for (const std::string& n : names) std::printf("%s\n", n.c_str());
  return 0;
}

}  // namespace lx::cli
