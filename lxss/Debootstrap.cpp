// Building and caching a Debian minbase tarball with mmdebstrap. mmdebstrap
// rather than debootstrap: it writes a tarball directly (owners, modes and
// device nodes recorded without a host tree of root-owned files) and works
// as root or, through its unshare/fakechroot modes, as a plain user.
#include "lxss/Debootstrap.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lxss/HostTree.h"

extern char** environ;

namespace lx::lxss {

namespace {

Error errno_text(const std::string& what, int e) { return what + ": " + std::strerror(e); }

// Runs argv with stdin from /dev/null (mmdebstrap reads sources from a
// non-terminal stdin only for "-", but nothing of ours should be read) and
// its output on ours, or discarded when quiet. Returns the exit status, or
// -1 with errno set when it could not be started.
int run(const std::vector<std::string>& args, bool quiet) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (quiet) {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

}  // namespace

std::string cache_dir() {
  if (const char* c = std::getenv("LX_CACHE"); c && *c) return c;
  if (::geteuid() == 0) return "/var/cache/lxcore";
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') return std::string(x) + "/lx";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/") + "/.cache/lx";
}

bool valid_suite_name(const std::string& suite) {
  if (suite.empty() || suite.size() > 32 || suite[0] == '-') return false;
  for (char c : suite)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

Error debootstrap_tarball(const std::string& suite, bool quiet, std::string& tarball) {
  if (!valid_suite_name(suite)) return "invalid suite name '" + suite + "' (a Debian suite such as bookworm)";
  const std::string dir = cache_dir();
  tarball = dir + "/" + suite + "-minbase.tar.zst";
  struct stat st {};
  if (::stat(tarball.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return {};
  if (Error e = make_dirs(dir); !e.empty()) return e;
  // mmdebstrap picks the format from the name's ending: keep .tar.zst last.
  const std::string partial = dir + "/." + suite + "-minbase.partial." + std::to_string(::getpid()) + ".tar.zst";
  std::vector<std::string> args{"mmdebstrap", "--variant=minbase", suite, partial};
  if (const char* m = std::getenv("LX_DEBIAN_MIRROR"); m && *m) args.emplace_back(m);
  if (!quiet) std::fprintf(stderr, "lx: building a %s minbase root with mmdebstrap (cached in %s)\n", suite.c_str(),
                           dir.c_str());
  const int status = run(args, quiet);
  if (status != 0) {
    const int e = errno;
    (void)::unlink(partial.c_str());
    if (status < 0)
      return e == ENOENT ? Error("mmdebstrap is not installed (apt-get install mmdebstrap)")
                         : errno_text("cannot run mmdebstrap", e);
    return "mmdebstrap " + suite + " failed (exit status " + std::to_string(status) +
           "; it needs network access to a Debian mirror)";
  }
  if (::rename(partial.c_str(), tarball.c_str()) != 0) {
    const int e = errno;
    (void)::unlink(partial.c_str());
    return errno_text("cannot move the tarball to " + tarball, e);
  }
  return {};
}

}  // namespace lx::lxss
