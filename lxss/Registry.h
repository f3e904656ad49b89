// The distro registry of one host user: which distros exist, where their
// lxfs roots live, their default guest user and which one is the default.
// One INI file, $LX_HOME/registry.ini, replaced as a whole (temp file, fsync,
// rename, fsync of the directory) so a kill -9 at any point leaves either
// the old or the new registry, never a mix. Writers serialize on a lock file.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lx::lxss {

// An error for the user: one line, no "lx: " prefix. Empty means success.
using Error = std::string;

struct Distro {
  std::string name;
  std::string dir;           // host directory owned by the distro (holds rootfs/)
  std::string default_user;  // guest user name; empty: /etc/lx.conf's, else root
  std::string state = "Stopped";
  std::string rootfs() const { return dir + "/rootfs"; }
};

struct RegistryData {
  std::string default_name;
  std::vector<Distro> distros;
  const Distro* find(const std::string& name) const;
  Distro* find(const std::string& name);
};

// $LX_HOME, else $XDG_DATA_HOME/lx, else $HOME/.local/share/lx.
std::string lx_home();

// A distro name: 1-64 of [A-Za-z0-9._-], not starting with '.' or '-'.
bool valid_distro_name(const std::string& name);

class Registry {
 public:
  explicit Registry(std::string home) : home_(std::move(home)) {}
  const std::string& home() const { return home_; }
  std::string path() const { return home_ + "/registry.ini"; }
  std::string distros_dir() const { return home_ + "/distros"; }

  // Reads the registry (a missing file is an empty registry).
  Error load(RegistryData& out) const;
  // Creates LX_HOME if needed and takes the writers' lock (held until the
  // Registry is destroyed): load-modify-save sequences must hold it.
  Error lock();
  // Replaces the file atomically.
  Error save(const RegistryData& data) const;

  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

 private:
  std::string home_;
  int lock_fd_ = -1;
};

}  // namespace lx::lxss
