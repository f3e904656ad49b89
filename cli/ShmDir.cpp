#include "cli/ShmDir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace lx::cli {

ShmDir::ShmDir() {
  std::vector<std::string> bases = {"/dev/shm"};
  if (const char* tmp = getenv("TMPDIR")) bases.emplace_back(tmp);
  bases.emplace_back("/tmp");
  for (const std::string& base : bases) {
    std::string tmpl = base + "/lx-shm-XXXXXX";
    if (!mkdtemp(tmpl.data())) continue;
    // The guest's /dev/shm is sticky and world-writable as on Linux; the
    // private 0700 parent keeps other host users out of it.
    const std::string shm = tmpl + "/shm";
    if (mkdir(shm.c_str(), 0700) == 0 && chmod(shm.c_str(), 01777) == 0) {
      top_ = tmpl;
      path_ = shm;
      return;
    }
    rmdir(shm.c_str());
    rmdir(tmpl.c_str());
  }
}

ShmDir::~ShmDir() {
  if (top_.empty()) return;
  auto remove_one = [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); };
  nftw(top_.c_str(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace lx::cli
