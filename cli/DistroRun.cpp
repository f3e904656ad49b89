// Running a command in a distro: as the distro's user, with the distro's
// /etc/lx.conf applied and a login-like environment, in the distro's
// running instance (the daemon's; cli/Daemon.h), or with LX_NO_DAEMON=1 in
// the one-shot instance `lx run --lxfs ROOTFS` would start.
#include <sys/stat.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/Daemon.h"
#include "cli/DistroCommands.h"
#include "cli/Run.h"
#include "kernel/exec/LxEnv.h"
#include "lxss/LxConf.h"
#include "lxss/Passwd.h"
#include "lxss/Registry.h"

extern char** environ;

namespace lx::cli {

namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "lx: %s\n", msg.c_str());
  return 1;
}

bool host_dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

// Interop (issue 6): with [automount] and [interop] enabled (and the mount
// directory present), executables under the automount run as host programs.
// The path mappings: the automount shows the host's /, the guest's / is the
// distro's root directory.
void set_up_interop(RunOptions& opts, const lxss::LxConf& conf, const std::string& rootfs) {
  if (!conf.automount_enabled || !conf.interop_enabled) return;
  const std::string mount = lx::normalize_path(conf.automount_root);
  if (!host_dir_exists(rootfs + mount)) return;
  opts.interop_mounts = {lx::PathMapping{mount, "/"}};
  opts.root_host_dir = real_path(rootfs);
  opts.paths = {lx::PathMapping{"/", opts.root_host_dir}, lx::PathMapping{mount, "/"}};
}

// Like wsl.exe, the words form one command line for the user's shell, so
// `lx -- 'ls | wc -l'` and `lx -- echo '$HOME'` mean what they would in it.
// Unlike it, a word among several that holds whitespace (or is empty) was
// one quoted argument in the caller's shell and stays one:
// `lx -- sh -c 'echo hi | tr a-z A-Z'` prints HI.
std::string shell_line(const std::vector<std::string>& words) {
  if (words.size() == 1) return words[0];
  std::string line;
  for (const std::string& w : words) {
    if (!line.empty()) line += ' ';
    if (!w.empty() && w.find_first_of(" \t\n") == std::string::npos) {
      line += w;
      continue;
    }
    line += '\'';
    for (char c : w) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace

int run_in_distro(const DistroRunRequest& req) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (lxss::Error e = reg.load(data); !e.empty()) return fail(e);
  const std::string name = req.distro.empty() ? data.default_name : req.distro;
  if (name.empty()) return fail("no default distro: install one with lx --install NAME --from-tar FILE");
  const lxss::Distro* d = data.find(name);
  if (!d) return fail("no distro named '" + name + "' (see lx --list)");
  const std::string rootfs = d->rootfs();
  if (!host_dir_exists(rootfs)) return fail("the root of '" + name + "' is missing: " + rootfs);

  // A broken lx.conf never keeps the distro from starting.
  const lxss::LxConfResult conf = lxss::read_lx_conf(rootfs + "/etc/lx.conf");
  for (const std::string& w : conf.warnings) std::fprintf(stderr, "lx: warning: %s\n", w.c_str());
  if (!conf.error.empty()) std::fprintf(stderr, "lx: %s\n", conf.error.c_str());

  std::string who = req.user;
  if (who.empty()) who = d->default_user;
  if (who.empty()) who = conf.conf.default_user;
  if (who.empty()) who = "root";
  const auto user = lxss::find_guest_user(rootfs, who);
  if (!user) return fail("no user '" + who + "' in distro '" + name + "' (its /etc/passwd)");

  RunOptions opts;
  opts.root = rootfs;
  opts.lxfs = rootfs;
  opts.root_given = true;
  opts.uid = user->uid;
  opts.gid = user->gid;
  opts.groups = user->groups;
  opts.hostname = conf.conf.hostname;
  opts.net = conf.conf.network_mode;
  if (conf.conf.automount_enabled)
    opts.mounts.push_back(HostMount{"/", conf.conf.automount_root, conf.conf.automount_options == "ro"});
  set_up_interop(opts, conf.conf, rootfs);

  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  if (const char* host_path = std::getenv("PATH"); conf.conf.append_host_path && host_path)
    path += std::string(":") + host_path;
  if (!opts.interop_mounts.empty()) path += ":/run/lx/bin";  // lxpath
  std::vector<std::string> env{"HOME=" + user->home, "USER=" + user->name, "LOGNAME=" + user->name,
                               "SHELL=" + user->shell, "PATH=" + path, "LX_DISTRO_NAME=" + name};
  for (const char* keep : {"TERM", "LANG", "LC_ALL", "COLORTERM"})
    if (const char* v = std::getenv(keep)) env.push_back(std::string(keep) + "=" + v);
  if (!opts.interop_mounts.empty()) {
    // The host's LXENV names the host variables the guest gets (host paths
    // translated with /p and /l).
    std::vector<std::string> host_env;
    for (char** e = environ; *e; ++e) host_env.emplace_back(*e);
    env = lx::merge_environment(std::move(env), lx::crossing_variables(host_env, lx::EnvCrossing::HostToGuest,
        [&](const std::string& p) { return lx::map_path(opts.paths, lx::normalize_path(p), /*to_host=*/false); }));
  }
  opts.envp = std::move(env);

  if (!req.cd.empty()) {
    opts.cwd = req.cd == "~" ? user->home : req.cd;
    if (opts.cwd[0] != '/') return fail("--cd needs an absolute guest path or ~");
  } else {
    opts.cwd = host_dir_exists(rootfs + user->home) ? user->home : "/";
  }

  if (req.command.empty()) {
    // The user's login shell, as a login shell ("-sh").
    opts.command = {user->shell};
    opts.argv0 = "-" + user->shell.substr(user->shell.rfind('/') + 1);
  } else if (req.exec) {
    opts.command = req.command;
  } else {
    opts.command = {user->shell, "-c", shell_line(req.command)};
  }
  return use_daemon() ? run_via_daemon(opts, name) : run(opts);
}

}  // namespace lx::cli
