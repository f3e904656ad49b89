// Per-process file descriptor table: fd -> (open file description, FD_CLOEXEC).
#pragma once

#include <vector>

#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class FdTable {
 public:
  static constexpr int kDefaultMaxFds = 1024;  // RLIMIT_NOFILE soft default

  Result<OpenFileRef> get(int fd) const;
  // Lowest free fd >= min_fd; EMFILE when the limit is reached.
  Result<int> install(OpenFileRef file, bool cloexec, int min_fd = 0);
  // dup2 semantics: replaces whatever was at fd.
  Result<void> install_at(int fd, OpenFileRef file, bool cloexec);
  Result<void> close(int fd);
  // EMFILE when install() would fail: open(2) reports a full table before
  // it looks at the path.
  Result<void> check_free_slot() const;
  // execve: drops every fd marked FD_CLOEXEC.
  void close_on_exec();
  Result<bool> cloexec(int fd) const;
  Result<void> set_cloexec(int fd, bool on);
  int max_fds() const { return max_fds_; }
  // One past the highest fd ever used (the table never shrinks).
  int extent() const { return static_cast<int>(slots_.size()); }
  void set_max_fds(int n) { max_fds_ = n; }

 private:
  struct Slot {
    OpenFileRef file;
    bool cloexec = false;
  };
  std::vector<Slot> slots_;
  int max_fds_ = kDefaultMaxFds;
};

}  // namespace lx
