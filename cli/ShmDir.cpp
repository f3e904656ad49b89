#include "cli/ShmDir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <vector>

namespace lx::cli {

ShmDir::ShmDir() {
  std::vector<std::string> bases = {"/dev/shm"};
  if (const char* tmp = getenv("TMPDIR")) bases.emplace_back(tmp);
  bases.emplace_back("/tmp");
  for (const std::string& base : bases) {
    std::string tmpl = base + "/lx-shm-XXXXXX";
    if (mkdtemp(tmpl.data())) {
      path_ = tmpl;
      return;
    }
  }
}

ShmDir::~ShmDir() {
  if (path_.empty()) return;
  auto remove_one = [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p); };
  nftw(path_.c_str(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace lx::cli
