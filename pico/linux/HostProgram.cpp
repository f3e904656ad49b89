// Host programs (interop) on the Linux backend: posix_spawn with the given
// stdio, a pidfd to poll for the end, waitpid for the status.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "pico/linux/LinuxHost.h"

namespace pico {

namespace {

class LinuxHostProgram final : public HostProgram {
 public:
  LinuxHostProgram(pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd) {}
  LinuxHostProgram(const LinuxHostProgram&) = delete;
  LinuxHostProgram& operator=(const LinuxHostProgram&) = delete;
  ~LinuxHostProgram() override {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
    }
    ::close(pidfd_);
  }
  int exit_fd() const override { return pidfd_; }
  std::optional<int> exit_status() override {
    if (!status_) {
      int st = 0;
      pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) status_ = st;
    }
    return status_;
  }
  void signal(int sig) override {
    if (!status_) ::kill(pid_, sig);
  }

 private:
  pid_t pid_;
  int pidfd_;
  std::optional<int> status_;
};

// The spawn's attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::vector<char*> c_array(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<std::unique_ptr<HostProgram>> LinuxHost::spawn_host_program(const HostProgramSpec& spec) {
  SpawnSetup s;
  // The provider's signal mask and handlers are its own business: the
  // program starts like one started from a shell.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &all);
  posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  for (int fd = 0; fd < 3; ++fd) {
    if (spec.stdio[fd] >= 0)
      posix_spawn_file_actions_adddup2(&s.actions, spec.stdio[fd], fd);
    else
      posix_spawn_file_actions_addopen(&s.actions, fd, "/dev/null", O_RDWR, 0);
  }
  // Provider fds must never leak into a host program, CLOEXEC or not.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
  posix_spawn_file_actions_addchdir_np(&s.actions, spec.cwd.empty() ? "/" : spec.cwd.c_str());
  std::vector<char*> argv = c_array(spec.argv), envp = c_array(spec.envp);
  pid_t pid = -1;
  if (int rc = posix_spawn(&pid, spec.path.c_str(), &s.actions, &s.attr, argv.data(), envp.data()); rc != 0)
    return lx::err(rc);
  // pidfd_open sets close-on-exec itself.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return lx::err(e);
  }
  return std::unique_ptr<HostProgram>(std::make_unique<LinuxHostProgram>(pid, pidfd));
}

}  // namespace pico
