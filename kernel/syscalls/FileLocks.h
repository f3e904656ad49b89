// Advisory file locks (fcntl record locks, OFD locks, flock) kept by the
// kernel, keyed by the identity of the underlying file. fcntl(2) in
// file_io.cpp hands its lock commands here; close(2) reports closes.
#pragma once

#include <cstdint>

#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Task;

// F_GETLK/F_SETLK/F_SETLKW and the F_OFD_* forms.
bool is_fcntl_lock_cmd(int cmd);
Result<long> fcntl_lock(Task& task, const OpenFileRef& file, int cmd, uint64_t arg);

// close(2) of any fd drops every POSIX record lock the process holds on
// that file (not OFD or flock locks, which go with the description).
void release_posix_locks(Task& task, const OpenFileRef& file);

}  // namespace lx
