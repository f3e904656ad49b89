#include "lxss/Client.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <thread>

#include "lxss/Daemon.h"

namespace lx::lxss {

namespace {

int try_connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

// `lx --daemon`, detached from our session and terminal (double fork), its
// stdio on /dev/null (it logs to its runtime directory itself).
bool start_daemon(std::string& error) {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    error = std::string("cannot find the lx executable: ") + std::strerror(errno);
    return false;
  }
  exe[n] = '\0';
  const pid_t child = ::fork();
  if (child < 0) {
    error = std::string("cannot start the lx daemon: ") + std::strerror(errno);
    return false;
  }
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    char arg[] = "--daemon";
    char* argv[] = {exe, arg, nullptr};
    ::execv(exe, argv);
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {}
  return true;
}

}  // namespace

int connect_daemon(bool start, std::string& error) {
  const std::string path = socket_path();
  int fd = try_connect(path);
  if (fd >= 0) return fd;
  int e = errno;
  if (start && (e == ENOENT || e == ECONNREFUSED)) {
    if (!start_daemon(error)) return -1;
    // It binds within milliseconds; a loaded machine may take longer.
    for (int i = 0; i < 1000; ++i) {
      fd = try_connect(path);
      if (fd >= 0) return fd;
      e = errno;
      if (e != ENOENT && e != ECONNREFUSED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(i < 50 ? 2 : 10));
    }
  }
  error = "cannot connect to the lx daemon at " + path + ": " + std::strerror(e);
  if (e == EACCES || e == EPERM) error += " (it belongs to another user)";
  errno = e;
  return -1;
}

std::optional<Reader> request(Writer& msg, bool start, std::string& error) {
  const int fd = connect_daemon(start, error);
  if (fd < 0) return std::nullopt;
  std::optional<Reader> reply;
  if (send_message(fd, msg)) reply = recv_message(fd);
  ::close(fd);
  if (!reply) error = "the lx daemon went away";
  return reply;
}

int daemon_pid() {
  const int fd = ::open(pid_file_path().c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n > 0 ? std::atoi(buf) : 0;
}

}  // namespace lx::lxss
