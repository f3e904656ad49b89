// lxpath (wslpath's counterpart), run inside a distro: converts between
// guest paths and host paths.
//
//   lxpath [-a] [-u] PATH   host path -> guest path (the default)
//   lxpath [-a] -h PATH     guest path -> host path (-w is an alias)
//
// -a makes a relative PATH absolute first (against the guest cwd, or its
// host directory for -u); without it a relative PATH is printed unchanged.
// Paths are translated lexically (no symlink is followed). The mapping comes
// from /run/lx/paths, which lx writes at instance start: one "GUEST\tHOST"
// line per mapping (the host automount, the distro's root directory).
// Exit status: 0; 1 when PATH has no counterpart or there is no mapping;
// 2 for bad usage.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "kernel/exec/PathMap.h"

namespace {

constexpr const char* kMapFile = "/run/lx/paths";

int usage() {
  std::fprintf(stderr, "usage: lxpath [-a] [-u | -h] PATH\n");
  return 2;
}

std::vector<lx::PathMapping> read_map() {
  std::vector<lx::PathMapping> maps;
  std::ifstream in(kMapFile);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    maps.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return maps;
}

std::string cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string("/");
}

}  // namespace

int main(int argc, char** argv) {
  bool absolute = false, to_host = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      ++i;
      break;
    }
    for (const char* f = argv[i] + 1; *f; ++f) {
      if (*f == 'a') absolute = true;
      else if (*f == 'h' || *f == 'w') to_host = true;
      else if (*f == 'u') to_host = false;
      else return usage();
    }
  }
  if (i != argc - 1 || !argv[i][0]) return usage();
  std::string path = argv[i];
  const std::vector<lx::PathMapping> maps = read_map();
  if (maps.empty()) {
    std::fprintf(stderr, "lxpath: no path mapping in %s (not in an lx distro with interop?)\n", kMapFile);
    return 1;
  }
  if (path[0] != '/') {
    if (!absolute) {
      std::printf("%s\n", path.c_str());
      return 0;
    }
    std::string base = cwd();
    if (!to_host) {
      // A relative host path is relative to the cwd's host directory.
      std::optional<std::string> host_cwd = lx::map_path(maps, base, true);
      if (!host_cwd) {
        std::fprintf(stderr, "lxpath: the current directory has no host path\n");
        return 1;
      }
      base = *host_cwd;
    }
    path = base + "/" + path;
  }
  std::optional<std::string> out = lx::map_path(maps, lx::normalize_path(path), to_host);
  if (!out) {
    std::fprintf(stderr, "lxpath: %s: no %s path\n", argv[i], to_host ? "host" : "guest");
    return 1;
  }
  std::printf("%s\n", out->c_str());
  return 0;
}
