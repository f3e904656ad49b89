// Like a shell: a program name without '/' is searched in the guest's PATH
// (from envp; the default PATH otherwise). Shared by `lx run` and sessions.
#pragma once

#include <string>
#include <vector>

#include "kernel/vfs/Vfs.h"

namespace lx::lxss {

std::string find_program(Vfs& vfs, const std::string& name, const std::vector<std::string>& envp);

}  // namespace lx::lxss
