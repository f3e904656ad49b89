// One instance run to completion (no daemon): builds the guest's
// filesystem, starts PROG as pid 1 and returns its shell-style status.
// Shared by `lx run` (host root) and the distro commands (lxfs root).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernel/exec/PathMap.h"
#include "kernel/vfs/Vfs.h"

namespace lx::cli {

class ShmDir;

inline constexpr int kStatusMissing = 127;
inline constexpr int kStatusNotExecutable = 126;
inline constexpr int kStatusUsage = 2;
inline constexpr int kStatusProviderError = 1;

struct HostMount {
  std::string host, guest;
  bool read_only = true;
};

struct RunOptions {
  std::string root = "/";
  bool root_given = false;
  std::string lxfs;  // --lxfs DIR: DIR is the root as a read-write lxfs
  std::vector<std::string> binds;  // HOST:GUEST[:ro]
  std::string trace_file;
  bool trace = false;
  bool pty = true;  // --no-pty: the guest uses the host terminal's fds as they are
  // --net: "host" shares the host's network and loopback (as WSL1);
  // "none" gives the instance a network of its own with only a loopback.
  std::string net = "host";
  std::vector<std::string> command;

  // Set by the distro commands; `lx run` leaves the defaults.
  std::optional<std::vector<std::string>> envp;  // instead of the caller's environment
  std::string cwd;                               // guest cwd instead of the caller's
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
  std::string hostname;
  std::string argv0;                 // argv[0] instead of PROG (a login shell's "-sh")
  std::vector<HostMount> mounts;     // optional mounts: skipped when the guest directory is missing
  // Interop (distros with [interop] enabled): executables under these
  // mounts run as host programs; lxpath is mounted at /run/lx/bin and
  // /run/lx/paths lists `paths` for it. Empty: no interop.
  std::vector<lx::PathMapping> interop_mounts;
  std::vector<lx::PathMapping> paths;  // every guest<->host mapping (lxpath, LXENV)
  std::string root_host_dir;           // host directory of the guest's "/"
};

int run(const RunOptions& opts);

// The instance's filesystem for opts (shared with the daemon's instances);
// the error is an exit status, the reason already printed.
lx::Result<std::unique_ptr<lx::Vfs>> build_filesystem(const RunOptions& opts, const ShmDir& shm);

// The guest starts where the caller is, when that is inside the root.
std::string guest_cwd(const std::string& root);

// The one line (without "lx: ") saying why --net=none could not be had.
std::string private_network_error(int error);

}  // namespace lx::cli
