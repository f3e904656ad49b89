// Registry-changing distro commands: install/import, export, unregister,
// list and set-default. Every change is load-modify-save under the
// registry's lock, and files are created before the registry names them
// and deleted after it stopped naming them, so a crash leaves at worst an
// orphan directory (removed by the next install of that name), never a
// registered distro without its root.
#include "cli/Daemon.h"
#include "cli/DistroCommands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "lxss/Debootstrap.h"
#include "lxss/Export.h"
#include "lxss/HostTree.h"
#include "lxss/Import.h"
#include "lxss/Registry.h"

namespace lx::cli {

namespace {

using lxss::Error;

int fail(const std::string& msg) {
  std::fprintf(stderr, "lx: %s\n", msg.c_str());
  return 1;
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// Imports into `dir`/rootfs and registers `name` (dir: the distro's own
// directory; `owned`: lx created it and removes it on failure).
int add_distro(const std::string& name, const std::string& dir, bool owned, const std::string& tarfile, bool quiet) {
  if (!lxss::valid_distro_name(name))
    return fail("invalid distro name '" + name + "' (use 1-64 letters, digits, '.', '_' or '-')");
  if (dir.find('\n') != std::string::npos) return fail("invalid directory name");
  if (tarfile != "-" && !exists(tarfile)) return fail(tarfile + ": " + std::strerror(errno));
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (Error e = reg.lock(); !e.empty()) return fail(e);
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  if (data.find(name)) return fail("a distro named '" + name + "' already exists");
  for (const lxss::Distro& d : data.distros)
    if (d.dir == dir) return fail(dir + " already holds the distro '" + d.name + "'");
  // An unregistered directory of ours is what a killed install left behind.
  if (owned)
    if (Error e = lxss::remove_tree(dir); !e.empty()) return fail(e);
  if (Error e = lxss::make_dirs(dir); !e.empty()) return fail(e);
  auto undo = [&] {
    if (owned) (void)lxss::remove_tree(dir);
    else (void)lxss::remove_tree(dir + "/rootfs");
  };
  if (Error e = lxss::import_tar(tarfile, dir + "/rootfs", !quiet); !e.empty()) {
    undo();
    return fail(e);
  }
  data.distros.push_back(lxss::Distro{name, dir, "", "Stopped"});
  if (data.default_name.empty() || !data.find(data.default_name)) data.default_name = name;
  if (Error e = reg.save(data); !e.empty()) {
    undo();
    return fail(e);
  }
  if (!quiet) std::fprintf(stderr, "lx: installed '%s' in %s\n", name.c_str(), dir.c_str());
  return 0;
}

}  // namespace

int install_distro(const std::string& name, const std::string& tarfile, bool quiet) {
  const std::string dir = lxss::Registry(lxss::lx_home()).distros_dir() + "/" + name;
  return add_distro(name, lxss::valid_distro_name(name) ? dir : "", true, tarfile, quiet);
}

int install_debootstrap(const std::string& name, const std::string& suite, bool quiet) {
  // The cheap refusals first: building a root takes minutes.
  if (!lxss::valid_distro_name(name))
    return fail("invalid distro name '" + name + "' (use 1-64 letters, digits, '.', '_' or '-')");
  lxss::RegistryData data;
  if (Error e = lxss::Registry(lxss::lx_home()).load(data); !e.empty()) return fail(e);
  if (data.find(name)) return fail("a distro named '" + name + "' already exists");
  std::string tarball;
  if (Error e = lxss::debootstrap_tarball(suite, quiet, tarball); !e.empty()) return fail(e);
  return install_distro(name, tarball, quiet);
}

int import_distro(const std::string& name, const std::string& dir, const std::string& tarfile, bool quiet) {
  const std::string d = absolute(dir);
  if (exists(d + "/rootfs")) return fail(d + "/rootfs already exists");
  return add_distro(name, d, !exists(d), tarfile, quiet);
}

int export_distro(const std::string& name, const std::string& tarfile, bool quiet) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  const lxss::Distro* d = data.find(name);
  if (!d) return fail("no distro named '" + name + "' (see lx --list)");
  if (Error e = lxss::export_tar(d->rootfs(), tarfile, !quiet); !e.empty()) return fail(e);
  return 0;
}

int unregister_distro(const std::string& name, bool yes) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  const lxss::Distro* found = data.find(name);
  if (!found) return fail("no distro named '" + name + "' (see lx --list)");
  if (!yes) {
    std::fprintf(stderr, "Unregister '%s' and delete all its files in %s? [y/N] ", name.c_str(), found->dir.c_str());
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y" && answer != "yes"))
      return fail("not unregistered (confirm with y, or pass --yes)");
  }
  if (Error e = reg.lock(); !e.empty()) return fail(e);
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  const lxss::Distro* d = data.find(name);
  if (!d) return fail("no distro named '" + name + "' (see lx --list)");
  const std::string dir = d->dir;
  std::erase_if(data.distros, [&](const lxss::Distro& x) { return x.name == name; });
  if (data.default_name == name) data.default_name = data.distros.empty() ? "" : data.distros.front().name;
  if (Error e = reg.save(data); !e.empty()) return fail(e);
  // Unregistered first: a crash now leaves files, never a dangling entry.
  if (Error e = lxss::remove_tree(dir + "/rootfs"); !e.empty()) return fail(e);
  (void)::rmdir(dir.c_str());
  return 0;
}

int list_distros(bool running, bool verbose) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  if (running) return list_running();
  if (data.distros.empty()) {
    std::fprintf(stderr, "lx: no distros installed (lx --install NAME --from-tar FILE)\n");
    return 0;
  }
  if (verbose) std::printf("  %-24s %-8s %-10s %s\n", "NAME", "STATE", "USER", "DIRECTORY");
  for (const lxss::Distro& d : data.distros) {
    const bool def = d.name == data.default_name;
    if (verbose)
      std::printf("%c %-24s %-8s %-10s %s\n", def ? '*' : ' ', d.name.c_str(), d.state.c_str(),
                  d.default_user.empty() ? "-" : d.default_user.c_str(), d.dir.c_str());
    else
      std::printf("%s%s\n", d.name.c_str(), def ? " (default)" : "");
  }
  return 0;
}

int set_default_distro(const std::string& name) {
  lxss::Registry reg(lxss::lx_home());
  lxss::RegistryData data;
  if (Error e = reg.lock(); !e.empty()) return fail(e);
  if (Error e = reg.load(data); !e.empty()) return fail(e);
  if (!data.find(name)) return fail("no distro named '" + name + "' (see lx --list)");
  data.default_name = name;
  if (Error e = reg.save(data); !e.empty()) return fail(e);
  return 0;
}

}  // namespace lx::cli
