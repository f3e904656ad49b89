// The `lx` distro commands (wsl.exe's): everything but `lx run` and
// `lx syscalls`. Each returns the process exit status; errors are one line
// on stderr ("lx: ...").
#pragma once

#include <string>
#include <vector>

namespace lx::cli {

// Parses `lx [OPTIONS] [-- CMD... | -e CMD...]` and runs the command.
int distro_main(int argc, char** argv);

struct DistroRunRequest {
  std::string distro;  // empty: the default distro
  std::string user;    // empty: registry / lx.conf default, else root
  std::string cd;      // guest directory; empty: the user's home
  std::vector<std::string> command;
  bool exec = false;   // -e: run command directly; else through the user's shell
};

int install_distro(const std::string& name, const std::string& tarfile, bool quiet);
// --from-debootstrap SUITE: the cached mmdebstrap tarball (built first when
// missing, lxss/Debootstrap.h), then as --from-tar.
int install_debootstrap(const std::string& name, const std::string& suite, bool quiet);
int import_distro(const std::string& name, const std::string& dir, const std::string& tarfile, bool quiet);
int export_distro(const std::string& name, const std::string& tarfile, bool quiet);
int unregister_distro(const std::string& name, bool yes);
int list_distros(bool running, bool verbose);
int set_default_distro(const std::string& name);
int run_in_distro(const DistroRunRequest& req);

}  // namespace lx::cli
