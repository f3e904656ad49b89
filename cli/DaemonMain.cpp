// `lx --daemon`: builds each instance the way `lx run --lxfs ROOTFS` builds
// its one (cli/Run.cpp's build_filesystem) plus lx-init as pid 1.
#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <string>
#include <thread>

#include "cli/Daemon.h"
#include "cli/ShmDir.h"
#include "lxss/Daemon.h"
#include "pico/linux/LinuxHost.h"

namespace lx::cli {

namespace {

// lx-init lives in libexec/lx/ next to the lx executable (the build tree's
// layout); the instance sees that directory read-only in its own tmpfs.
std::string init_host_dir() {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  std::string path(exe, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/')) + "/libexec/lx";
}

Result<std::string> mount_init(Vfs& vfs, const std::string& host_dir) {
  int last = ENOENT;
  for (const char* guest : {"/run/lx", "/tmp/.lx"}) {
    (void)vfs.mkdir("/", guest, 0755);
    auto r = vfs.mount_host(host_dir, guest, /*read_only=*/true);
    if (r.ok()) return std::string(guest) + "/lx-init";
    last = r.error();
  }
  return err(last);
}

std::unique_ptr<lxss::Instance> make_instance(const lxss::SessionRequest& req, std::string& error) {
  RunOptions opts;
  opts.root = opts.lxfs = req.rootfs;
  opts.root_given = true;
  opts.hostname = req.hostname;
  for (size_t i = 0; i + 2 < req.mounts.size(); i += 3)
    opts.mounts.push_back(HostMount{req.mounts[i], req.mounts[i + 1], req.mounts[i + 2] == "ro"});
  for (size_t i = 0; i + 1 < req.interop_mounts.size(); i += 2)
    opts.interop_mounts.push_back(PathMapping{req.interop_mounts[i], req.interop_mounts[i + 1]});
  for (size_t i = 0; i + 1 < req.paths.size(); i += 2) opts.paths.push_back(PathMapping{req.paths[i], req.paths[i + 1]});
  opts.root_host_dir = req.root_host_dir;
  auto shm = std::make_shared<ShmDir>();
  auto vfs = build_filesystem(opts, *shm);
  const std::string where = " (see " + lxss::runtime_dir() + "/lxss.log)";
  if (!vfs.ok()) {
    error = "cannot set up the filesystem of '" + req.name + "'" + where;
    return nullptr;
  }
  auto init = mount_init(*vfs.value(), init_host_dir());
  if (!init.ok()) {
    error = "cannot make lx-init visible in '" + req.name + "' (it needs /run or /tmp): " + std::strerror(init.error());
    return nullptr;
  }
  Credentials cred;
  vfs.value()->set_credentials(std::move(cred));
  lxss::InstanceSpec spec;
  spec.lx_home = req.lx_home;
  spec.name = req.name;
  spec.rootfs = req.rootfs;
  spec.vfs = vfs.release_value();
  if (!req.hostname.empty()) spec.config.hostname = req.hostname;
  // Interop is instance-wide: host programs start from the daemon's
  // environment (that of the lx that started it) plus LXENV's variables.
  spec.config.interop_mounts = opts.interop_mounts;
  spec.config.root_host_dir = opts.root_host_dir;
  if (!opts.interop_mounts.empty())
    for (char** e = environ; *e; ++e) spec.config.host_environment.emplace_back(*e);
  spec.init_path = init.value();
  spec.resources = shm;
  pico::LinuxHostOptions host_opts;
  host_opts.private_network = req.net == "none";
  auto host = pico::LinuxHost::create(host_opts);
  if (!host.ok()) {
    error = "cannot start the instance of '" + req.name + "': " +
            (host_opts.private_network ? private_network_error(host.error()) : std::strerror(host.error()));
    return nullptr;
  }
  spec.host = host.release_value();
  auto inst = lxss::Instance::start(std::move(spec), nullptr);
  if (!inst.ok()) {
    error = "cannot start the instance of '" + req.name + "': " + std::strerror(inst.error());
    return nullptr;
  }
  return inst.release_value();
}

}  // namespace

int daemon_main() {
  ::setsid();
  const std::string dir = lxss::runtime_dir();
  ::mkdir(dir.c_str(), 0700);
  const int log = ::open((dir + "/lxss.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log >= 0) {
    ::dup2(log, 2);
    ::close(log);
  }
  setvbuf(stderr, nullptr, _IOLBF, 0);
  lxss::DaemonOptions opts;
  if (const char* t = std::getenv("LX_IDLE_TIMEOUT")) {
    char* end = nullptr;
    const double s = std::strtod(t, &end);
    if (end != t && s >= 0 && s < 1e6) opts.idle_timeout = std::chrono::milliseconds(static_cast<long>(s * 1000));
  }
  opts.make_instance = make_instance;
  lxss::Daemon daemon(std::move(opts));
  // main() blocked these for every thread; this one turns them into a
  // clean shutdown (the thread is left behind by _exit below).
  std::thread([&daemon] {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}
    daemon.request_shutdown();
  }).detach();
  const int rc = daemon.run();
  // Connection threads may still be finishing their last write: leave
  // without running static destructors under them.
  std::fflush(nullptr);
  ::_exit(rc);
}

}  // namespace lx::cli
