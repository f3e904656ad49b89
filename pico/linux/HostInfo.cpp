// What the Linux host tells about itself and about a pico process: the host
// /proc files the guest's procfs shows or derives from. Only fixed names
// from a whitelist and our own children's pids make up these paths.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pico/linux/LinuxHost.h"
#include "pico/linux/LinuxProcess.h"

namespace pico {

namespace {

Result<std::string> read_host_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return lx::err(errno);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace

Result<std::string> LinuxHost::system_info(const std::string& name) const {
  for (const char* known : {"cpuinfo", "meminfo", "stat", "uptime", "loadavg"})
    if (name == known) return read_host_file("/proc/" + name);
  return lx::err(ENOENT);
}

// Fields of /proc/<pid>/stat after the ")" that ends comm (proc(5)).
Result<ProcessUsage> LinuxProcess::usage() {
  if (known_dead()) return lx::err(ESRCH);
  std::string text = TRY(read_host_file("/proc/" + std::to_string(pid_) + "/stat"));
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return lx::err(EIO);
  // Field 3 (state) is the first after ") ".
  std::string_view rest(text);
  rest.remove_prefix(close + 2);
  uint64_t field[64] = {};
  int idx = 3;
  while (!rest.empty() && idx < 64) {
    const size_t sp = rest.find(' ');
    const std::string tok(rest.substr(0, sp));
    field[idx++] = std::strtoull(tok.c_str(), nullptr, 10);
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  ProcessUsage u;
  u.minflt = field[10];
  u.majflt = field[12];
  u.utime_ticks = field[14];
  u.stime_ticks = field[15];
  u.threads = field[20];
  u.rss_pages = field[24];
  return u;
}

}  // namespace pico
