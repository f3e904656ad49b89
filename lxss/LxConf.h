// /etc/lx.conf inside a distro (wsl.conf's counterpart), an INI file read
// with inih. Unknown sections/keys produce warnings; a malformed file
// produces one error naming the line, and the defaults apply.
#pragma once

#include <string>
#include <vector>

namespace lx::lxss {

struct LxConf {
  std::string boot_command;             // [boot] command=
  std::string default_user;             // [user] default=
  std::string automount_root = "/mnt/host";  // [automount] root=
  std::string automount_options = "ro";      // [automount] options= (ro or rw)
  bool automount_enabled = false;       // [automount] enabled=
  bool interop_enabled = true;          // [interop] enabled=
  bool append_host_path = false;        // [interop] appendHostPath=
  std::string hostname;                 // [network] hostname=
  std::string network_mode = "host";    // [network] mode= host (shared, as WSL1) or none (own loopback only)
};

struct LxConfResult {
  LxConf conf;
  std::vector<std::string> warnings;  // one line each, "lx.conf:N: ..."
  std::string error;                  // malformed file (defaults in conf)
};

// Reads the host file `path` (absent: defaults, no warnings).
LxConfResult read_lx_conf(const std::string& path);

}  // namespace lx::lxss
