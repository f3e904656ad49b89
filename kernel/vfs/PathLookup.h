// Guest path arguments of the *at() family: reading them from guest memory
// and finding the directory a relative one starts from.
#pragma once

#include <string>

#include "kernel/base/Result.h"

namespace lx {

class Task;

// A guest path string: EFAULT if unreadable, ENAMETOOLONG beyond PATH_MAX.
Result<std::string> read_guest_path(Task& task, uint64_t addr);

// The guest directory `path` is relative to: "/" for absolute paths (dirfd
// is then ignored, even if invalid), the cwd for AT_FDCWD, otherwise the
// dirfd's path (EBADF if it is not open, ENOTDIR if not a directory).
Result<std::string> at_base(Task& task, int dirfd, const std::string& path);

}  // namespace lx
