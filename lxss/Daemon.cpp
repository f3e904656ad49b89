#include "lxss/Daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "kernel/Spawn.h"
#include "lxss/Session.h"

namespace lx::lxss {

std::string runtime_dir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg == '/') return std::string(xdg) + "/lx";
  return "/tmp/lx-" + std::to_string(::getuid());
}

std::string socket_path() { return runtime_dir() + "/lxss.sock"; }
std::string pid_file_path() { return runtime_dir() + "/lxss.pid"; }

namespace {

void log(const char* fmt, const std::string& arg) {
  std::fprintf(stderr, fmt, arg.c_str());
  std::fputc('\n', stderr);
}

// Our own 0700 directory: in /tmp someone else could have made it first.
bool make_private_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
    errno = EPERM;
    return false;
  }
  return (st.st_mode & 0777) == 0700 || ::chmod(dir.c_str(), 0700) == 0;
}

bool peer_is_us(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  return ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == ::getuid();
}

}  // namespace

Daemon::Daemon(DaemonOptions opts) : opts_(std::move(opts)) {}

void Daemon::wake() {
  const char c = 0;
  (void)!::write(wake_fds_[1], &c, 1);
}

void Daemon::request_shutdown() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  wake();
}

std::shared_ptr<Instance> Daemon::attach(const SessionRequest& req, std::string& error) {
  std::lock_guard start(start_mu_);
  {
    std::lock_guard lock(mu_);
    if (shutting_down_) {
      error = "the lx daemon is shutting down";
      return nullptr;
    }
    auto it = instances_.find(req.rootfs);
    if (it != instances_.end() && !it->second->dead()) {
      ++it->second->sessions;
      return it->second;
    }
  }
  std::unique_ptr<Instance> made = opts_.make_instance(req, error);
  if (!made) return nullptr;
  std::shared_ptr<Instance> inst = std::move(made);
  std::shared_ptr<Instance> old;
  {
    std::lock_guard lock(mu_);
    auto& slot = instances_[req.rootfs];
    old = std::move(slot);  // a dead one
    slot = inst;
    ++inst->sessions;
  }
  log("lx daemon: started instance %s", inst->name());
  return inst;
}

void Daemon::detach(const std::shared_ptr<Instance>& inst) {
  {
    std::lock_guard lock(mu_);
    if (--inst->sessions == 0) inst->idle_since = std::chrono::steady_clock::now();
  }
  wake();
}

bool Daemon::terminate(const std::string& lx_home, const std::string& name) {
  std::shared_ptr<Instance> victim;
  {
    std::lock_guard lock(mu_);
    for (auto it = instances_.begin(); it != instances_.end(); ++it) {
      if (it->second->lx_home() == lx_home && it->second->name() == name) {
        victim = it->second;
        instances_.erase(it);
        break;
      }
    }
  }
  if (!victim) return false;
  victim->terminate();
  log("lx daemon: terminated %s", name);
  return true;
}

void Daemon::shutdown_all() {
  std::map<std::string, std::shared_ptr<Instance>> all;
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    all.swap(instances_);
  }
  for (auto& [root, inst] : all) inst->terminate();
}

std::string Daemon::status_text() {
  std::lock_guard lock(mu_);
  std::string s = "lx daemon: pid " + std::to_string(::getpid()) + ", socket " + socket_path() + ", idle timeout " +
                  std::to_string(opts_.idle_timeout.count() / 1000.0).substr(0, 5) + " s\n";
  s += std::to_string(instances_.size()) + " running instance(s)\n";
  for (auto& [root, inst] : instances_)
    s += "  " + inst->name() + ": " + std::to_string(inst->sessions) + " session(s), " +
         std::to_string(live_process_count(inst->kernel())) + " process(es), root " + root + "\n";
  return s;
}

void Daemon::handle_request(int fd, Reader& msg, std::vector<int>& fds) {
  switch (msg.kind()) {
    case MsgKind::RunSession: {
      std::optional<SessionRequest> req = decode_session(msg);
      if (!req) {
        Writer w(MsgKind::Error);
        w.u32(1).str("malformed session request");
        (void)send_message(fd, w);
        return;
      }
      run_session(*this, fd, *req, std::move(fds));
      fds.clear();
      return;
    }
    case MsgKind::Terminate: {
      const std::string home = msg.str(), name = msg.str();
      if (!msg.ok()) return;
      if (terminate(home, name)) {
        Writer w(MsgKind::Ok);
        (void)send_message(fd, w);
      } else {
        Writer w(MsgKind::Error);
        w.u32(1).str("distro '" + name + "' is not running");
        (void)send_message(fd, w);
      }
      return;
    }
    case MsgKind::Shutdown: {
      shutdown_all();
      Writer w(MsgKind::Ok);
      (void)send_message(fd, w);
      return;
    }
    case MsgKind::ListRunning: {
      const std::string home = msg.str();
      if (!msg.ok()) return;
      std::vector<std::string> names;
      {
        std::lock_guard lock(mu_);
        for (auto& [root, inst] : instances_)
          if (inst->lx_home() == home && !inst->dead()) names.push_back(inst->name());
      }
      Writer w(MsgKind::Names);
      w.strs(names);
      (void)send_message(fd, w);
      return;
    }
    case MsgKind::Status: {
      Writer w(MsgKind::Text);
      w.str(status_text());
      (void)send_message(fd, w);
      return;
    }
    default:
      return;
  }
}

void Daemon::serve(int fd) {
  std::vector<int> fds;
  std::optional<Reader> msg = recv_message(fd, &fds);
  if (msg) handle_request(fd, *msg, fds);
  for (int f : fds) ::close(f);
  ::close(fd);
  {
    std::lock_guard lock(mu_);
    --connections_;
    last_activity_ = std::chrono::steady_clock::now();
  }
  conns_done_.notify_all();
  wake();
}

bool Daemon::housekeeping() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::shared_ptr<Instance>> ending;
  std::unique_lock lock(mu_);
  for (auto it = instances_.begin(); it != instances_.end();) {
    Instance& inst = *it->second;
    if (inst.dead() || (inst.sessions == 0 && now - inst.idle_since >= opts_.idle_timeout)) {
      ending.push_back(std::move(it->second));
      it = instances_.erase(it);
    } else {
      ++it;
    }
  }
  // A fresh daemon waits a moment for the client that started it.
  const bool exit = shutting_down_ || (instances_.empty() && connections_ == 0 && ending.empty() &&
                                       now - last_activity_ >= std::chrono::seconds(2));
  lock.unlock();
  for (auto& inst : ending) {
    log("lx daemon: instance %s ended (idle or init gone)", inst->name());
    inst->terminate();
  }
  return exit;
}

int Daemon::run() {
  const std::string dir = runtime_dir();
  if (!make_private_dir(dir)) {
    std::fprintf(stderr, "lx daemon: cannot use %s: %s\n", dir.c_str(), std::strerror(errno));
    return 1;
  }
  // One daemon per user: the loser of a start race leaves quietly.
  const int lock_fd = ::open(pid_file_path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) return 0;
  const std::string pid = std::to_string(::getpid()) + "\n";
  (void)!::ftruncate(lock_fd, 0);
  (void)!::pwrite(lock_fd, pid.data(), pid.size(), 0);

  const std::string path = socket_path();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "lx daemon: socket path too long: %s\n", path.c_str());
    return 1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::unlink(path.c_str());
  const mode_t old_umask = ::umask(077);  // never a moment with a wider socket
  const bool bound = lfd >= 0 && ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                     ::chmod(path.c_str(), 0600) == 0 && ::listen(lfd, 64) == 0;
  ::umask(old_umask);
  if (!bound || ::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    std::fprintf(stderr, "lx daemon: cannot listen on %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  log("lx daemon: listening on %s", path);

  for (;;) {
    pollfd pfd[2] = {{lfd, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    const int n = ::poll(pfd, 2, 250);
    if (n > 0 && (pfd[1].revents & POLLIN)) {
      char buf[64];
      while (::read(wake_fds_[0], buf, sizeof buf) > 0) {}
    }
    if (n > 0 && (pfd[0].revents & POLLIN)) {
      const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0 && !peer_is_us(fd)) {
        ::close(fd);  // another user: nothing to say to them
      } else if (fd >= 0) {
        {
          std::lock_guard lock(mu_);
          ++connections_;
          last_activity_ = std::chrono::steady_clock::now();
        }
        std::thread([this, fd] { serve(fd); }).detach();
      }
    }
    if (housekeeping()) break;
  }
  // Stop accepting, end what runs, let the connection threads finish.
  ::unlink(path.c_str());
  ::close(lfd);
  shutdown_all();
  {
    std::unique_lock lock(mu_);
    conns_done_.wait_for(lock, std::chrono::seconds(5), [&] { return connections_ == 0; });
  }
  ::unlink(pid_file_path().c_str());
  log("lx daemon: exiting%s", "");
  return 0;
}

}  // namespace lx::lxss
