#include "lxss/FindProgram.h"

#include <unistd.h>

namespace lx::lxss {

std::string find_program(Vfs& vfs, const std::string& name, const std::vector<std::string>& envp) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : envp)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(pos, end - pos);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (vfs.access("/", candidate, X_OK, true).ok()) return candidate;
    pos = end + 1;
  }
  return name;
}

}  // namespace lx::lxss
