#include "cli/Run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <span>

#include "cli/RawTerminal.h"
#include "cli/ShmDir.h"
#include "cli/SignalForwarder.h"
#include "cli/TerminalRelay.h"
#include "kernel/Kernel.h"
#include "kernel/dev/DevSetup.h"
#include "kernel/fs/lxfs/LxFs.h"
#include "kernel/fs/proc/ProcFs.h"
#include "kernel/fs/sys/SysFs.h"
#include "kernel/tty/PtyPort.h"
#include "kernel/vfs/HostFile.h"
#include "lxss/FindProgram.h"
#include "pico/linux/LinuxHost.h"

extern char** environ;

namespace lx::cli {

namespace {

// The guest's stdio are the caller's, wrapped as guest open files.
std::vector<lx::OpenFileRef> wrap_stdio() {
  std::vector<lx::OpenFileRef> files(3);
  for (int fd = 0; fd < 3; ++fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) continue;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) continue;
    files[static_cast<size_t>(fd)] = lx::make_host_fd_file(copy, flags);
  }
  return files;
}

// Whether the guest gets a terminal of its own (see run_on_pty): lx is
// interactive (stdin and stdout are a terminal) and in the terminal's
// foreground, so it may take the terminal over. Anything else (pipes,
// files, `lx run ... &`) keeps the host fds as they are.
bool wants_pty(const RunOptions& opts) {
  return opts.pty && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

// Runs the guest on an instance pty relayed to the host terminal (WSL1's
// console relay): the slave is the guest's stdin/stdout (and stderr when
// that is the terminal too) and init's controlling terminal; the host
// terminal is raw so Ctrl-C/Ctrl-Z/... reach the instance's line
// discipline; SIGWINCH becomes the pty's window size. Null when no pty could
// be made (the caller falls back to the host fds).
std::optional<lx::Result<int>> run_on_pty(lx::Kernel& kernel, const std::string& path,
                                          const std::vector<std::string>& argv,
                                          const std::vector<std::string>& envp) {
  auto port = lx::PtyPort::open(kernel, host_winsize(STDIN_FILENO).value_or(lx::abi::Winsize{24, 80, 0, 0}));
  if (!port.ok()) return std::nullopt;
  std::vector<lx::OpenFileRef> stdio = wrap_stdio();
  stdio[0] = stdio[1] = port.value()->slave();
  if (isatty(STDERR_FILENO)) stdio[2] = port.value()->slave();
  port.value()->release_slave();
  // SIGWINCH is blocked in every thread (block_forwarded_signals).
  sigset_t winch;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  const int winch_fd = signalfd(-1, &winch, SFD_NONBLOCK | SFD_CLOEXEC);
  lx::Result<int> status = 0;
  {
    const RawTerminal raw(STDIN_FILENO);
    const TerminalRelay relay(*port.value(), TerminalEnds{STDIN_FILENO, STDOUT_FILENO, winch_fd,
                                                          [] { return host_winsize(STDIN_FILENO); }});
    status = kernel.run_program(path, argv, envp, stdio);
    stdio.clear();
  }  // the relay writes the guest's last output, then the terminal's mode comes back
  if (winch_fd >= 0) close(winch_fd);
  return status;
}

std::string host_cwd() {
  char cwd[PATH_MAX];
  return getcwd(cwd, sizeof cwd) ? std::string(cwd) : std::string("/");
}

// Creates the directories of an absolute guest path that are missing (in
// the instance's tmpfs: the cwd may lie under /tmp).
void make_guest_dirs(lx::Vfs& vfs, const std::string& path) {
  for (size_t i = path.find('/', 1); ; i = path.find('/', i + 1)) {
    (void)vfs.mkdir("/", path.substr(0, i), 0755);
    if (i == std::string::npos) break;
  }
}

// /dev/tty for the guest's first session: the host terminal lx runs in
// (ENXIO from the host when there is none), as a host fd like the stdio.
lx::Result<lx::OpenFileRef> open_host_tty(int flags) {
  const int fd = ::open("/dev/tty", (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return lx::err(errno);
  return lx::make_host_fd_file(fd, flags);
}

// The directory of guest tools built with lx (lxpath): guest-tools/ next
// to the lx executable.
std::string guest_tools_dir() {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return {};
  std::string dir(exe, static_cast<size_t>(n));
  return dir.substr(0, dir.rfind('/')) + "/guest-tools";
}

// Interop's guest side: lxpath at /run/lx/bin (read-only, from the host)
// and its mapping in /run/lx/paths ("GUEST\tHOST" lines). Best effort: a
// distro without /run only lacks lxpath.
void set_up_interop_tools(lx::Vfs& v, const std::vector<lx::PathMapping>& paths) {
  if (!v.mkdir("/", "/run/lx", 0755).ok()) return;
  const std::string tools = guest_tools_dir();
  if (v.mkdir("/", "/run/lx/bin", 0755).ok() && !tools.empty()) (void)v.mount_host(tools, "/run/lx/bin", true);
  std::string text;
  for (const lx::PathMapping& m : paths) text += m.guest + "\t" + m.host + "\n";
  auto f = v.open("/", "/run/lx/paths", O_WRONLY | O_CREAT | O_TRUNC, 0444);
  if (f.ok())
    (void)f.value()->write(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}
}  // namespace

// The instance's mounts: the root (host / or --root DIR, read-only; or an
// lxfs), tmpfs on /tmp and /run, the instance's own /proc and /sys, the
// kernel's /dev (devices, devpts) with a private /dev/shm, the caller's cwd
// read-write at its own path (default root only), then every --bind.
// Returns an exit status on failure.
lx::Result<std::unique_ptr<lx::Vfs>> build_filesystem(const RunOptions& opts, const ShmDir& shm) {
  auto vfs = lx::Vfs::create(opts.root, /*read_only=*/true);
  if (!vfs.ok()) {
    std::fprintf(stderr, "lx: cannot use %s as root: %s\n", opts.root.c_str(), std::strerror(vfs.error()));
    return lx::err(kStatusProviderError);
  }
  lx::Vfs& v = *vfs.value();
  if (!opts.lxfs.empty()) {
    // The lxfs covers the (read-only hostfs) view of the same directory.
    auto root = lx::make_lxfs_root(opts.lxfs);
    auto r = root.ok() ? v.mount_filesystem("/", root.release_value(), /*read_only=*/false, "lxfs:" + opts.lxfs)
                       : lx::Result<void>(lx::err(root.error()));
    if (!r.ok()) {
      std::fprintf(stderr, "lx: cannot use %s as an lxfs root: %s\n", opts.lxfs.c_str(), std::strerror(r.error()));
      return lx::err(kStatusProviderError);
    }
  }
  for (const char* dir : {"/tmp", "/run"}) {
    auto r = v.mount_tmpfs(dir);
    if (!r.ok() && r.error() != ENOENT)
      std::fprintf(stderr, "lx: cannot mount tmpfs on %s: %s\n", dir, std::strerror(r.error()));
  }
  // The instance's own /proc and /sys replace the host's (which would show
  // host processes and name the provider as /proc/self).
  if (auto r = v.mount_filesystem("/proc", lx::make_procfs(), /*read_only=*/false, "proc"); !r.ok() && r.error() != ENOENT)
    std::fprintf(stderr, "lx: cannot mount proc on /proc: %s\n", std::strerror(r.error()));
  if (auto r = v.mount_filesystem("/sys", lx::make_sysfs(), /*read_only=*/true, "sysfs"); !r.ok() && r.error() != ENOENT)
    std::fprintf(stderr, "lx: cannot mount sysfs on /sys: %s\n", std::strerror(r.error()));
  if (auto r = lx::setup_dev(v, open_host_tty); !r.ok() && r.error() != ENOENT)
    std::fprintf(stderr, "lx: cannot set up /dev: %s\n", std::strerror(r.error()));
  if (!shm.path().empty()) {
    auto r = v.mount_host(shm.path(), "/dev/shm", /*read_only=*/false);
    if (!r.ok() && r.error() != ENOENT)
      std::fprintf(stderr, "lx: cannot mount /dev/shm: %s\n", std::strerror(r.error()));
  }
  if (!opts.root_given) {
    const std::string cwd = host_cwd();
    if (cwd != "/") {
      make_guest_dirs(v, cwd);
      auto r = v.mount_host(cwd, cwd, /*read_only=*/false);
      if (!r.ok()) std::fprintf(stderr, "lx: cannot mount %s: %s\n", cwd.c_str(), std::strerror(r.error()));
    }
  }
  for (const std::string& spec : opts.binds) {
    // HOST:GUEST[:ro]
    const size_t colon = spec.find(':');
    std::string host = spec.substr(0, colon), guest, mode;
    if (colon != std::string::npos) {
      const size_t colon2 = spec.find(':', colon + 1);
      guest = spec.substr(colon + 1, colon2 == std::string::npos ? std::string::npos : colon2 - colon - 1);
      if (colon2 != std::string::npos) mode = spec.substr(colon2 + 1);
    }
    if (host.empty() || guest.empty() || guest.front() != '/' || (!mode.empty() && mode != "ro" && mode != "rw")) {
      std::fprintf(stderr, "lx: --bind %s: expected HOST:GUEST[:ro] with an absolute GUEST path\n", spec.c_str());
      return lx::err(kStatusUsage);
    }
    auto r = v.mount_host(host, guest, mode == "ro");
    if (!r.ok()) {
      std::fprintf(stderr, "lx: --bind %s: %s: %s\n", spec.c_str(), r.error() == ENOENT || r.error() == ENOTDIR
                   ? "the guest directory must exist (host and guest paths must be directories)" : "cannot mount",
                   std::strerror(r.error()));
      return lx::err(kStatusUsage);
    }
  }
  for (const HostMount& m : opts.mounts) {
    auto r = v.mount_host(m.host, m.guest, m.read_only);
    if (!r.ok() && r.error() != ENOENT)
      std::fprintf(stderr, "lx: cannot mount %s on %s: %s\n", m.host.c_str(), m.guest.c_str(), std::strerror(r.error()));
  }
  if (!opts.interop_mounts.empty()) set_up_interop_tools(v, opts.paths);
  return vfs;
}

int run(const RunOptions& opts) {
  const std::string& prog = opts.command.front();
  const ShmDir shm;
  auto vfs = build_filesystem(opts, shm);
  if (!vfs.ok()) return vfs.error();
  pico::LinuxHostOptions host_opts;
  host_opts.private_network = opts.net == "none";
  auto host = pico::LinuxHost::create(host_opts);
  if (!host.ok()) {
    if (host_opts.private_network) std::fprintf(stderr, "lx: %s\n", private_network_error(host.error()).c_str());
    else std::fprintf(stderr, "lx: cannot start the Linux host backend: %s\n", std::strerror(host.error()));
    return kStatusProviderError;
  }

  lx::KernelConfig config;
  config.cwd = !opts.cwd.empty() ? opts.cwd : opts.root_given ? guest_cwd(opts.root) : host_cwd();
  config.uid = opts.uid;
  config.gid = opts.gid;
  config.groups = opts.groups;
  if (!opts.hostname.empty()) config.hostname = opts.hostname;
  config.interop_mounts = opts.interop_mounts;
  config.root_host_dir = opts.root_host_dir;
  if (!opts.interop_mounts.empty())
    for (char** e = environ; *e; ++e) config.host_environment.emplace_back(*e);
  lx::Credentials cred;
  cred.uid = config.uid;
  cred.gid = config.gid;
  cred.groups = config.groups;
  vfs.value()->set_credentials(std::move(cred));
  FILE* trace = nullptr;
  if (opts.trace) {
    trace = opts.trace_file.empty() ? stderr : std::fopen(opts.trace_file.c_str(), "we");
    if (!trace) {
      std::fprintf(stderr, "lx: cannot open trace file %s: %s\n", opts.trace_file.c_str(), std::strerror(errno));
      return kStatusUsage;
    }
    setvbuf(trace, nullptr, _IOLBF, 0);
    config.trace = trace;
  }

  std::vector<std::string> envp;
  if (opts.envp) envp = *opts.envp;
  else
    for (char** e = environ; *e; ++e) envp.emplace_back(*e);
  lx::Kernel kernel(*host.value(), vfs.release_value(), config);
  std::string path = lxss::find_program(kernel.vfs(), prog, envp);
  SignalForwarder forwarder(kernel);
  std::vector<std::string> argv = opts.command;
  if (!opts.argv0.empty()) argv[0] = opts.argv0;
  std::optional<lx::Result<int>> on_pty;
  if (wants_pty(opts)) on_pty = run_on_pty(kernel, path, argv, envp);
  auto status = on_pty ? *on_pty : kernel.run_program(path, argv, envp, wrap_stdio());
  if (trace && trace != stderr) std::fclose(trace);
  if (!status.ok()) {
    std::fprintf(stderr, "lx: %s: %s\n", prog.c_str(), std::strerror(status.error()));
    return status.error() == ENOENT || status.error() == ENOTDIR ? kStatusMissing : kStatusNotExecutable;
  }
  return status.value();
}

std::string private_network_error(int error) {
  return std::string("--net=none: cannot create the instance's own network namespace (it needs unprivileged user "
                     "namespaces, or CAP_SYS_ADMIN): ") + std::strerror(error);
}

// The guest starts where the caller is, when that is inside the root.
std::string guest_cwd(const std::string& root) {
  char host_root[PATH_MAX], cwd[PATH_MAX];
  if (!realpath(root.c_str(), host_root) || !getcwd(cwd, sizeof cwd)) return "/";
  std::string r = host_root, c = cwd;
  if (r == "/") return c;
  if (c == r) return "/";
  if (c.size() > r.size() && c.compare(0, r.size(), r) == 0 && c[r.size()] == '/') return c.substr(r.size());
  return "/";
}


}  // namespace lx::cli
