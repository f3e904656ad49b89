#include "kernel/vfs/FdTable.h"

namespace lx {

Result<OpenFileRef> FdTable::get(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return err(EBADF);
  return slots_[fd].file;
}

Result<int> FdTable::install(OpenFileRef file, bool cloexec, int min_fd) {
  if (min_fd < 0 || min_fd >= max_fds_) return err(EINVAL);
  for (int fd = min_fd; fd < max_fds_; ++fd) {
    if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
    if (!slots_[fd].file) {
      slots_[fd] = Slot{std::move(file), cloexec};
      return fd;
    }
  }
  return err(EMFILE);
}

Result<void> FdTable::install_at(int fd, OpenFileRef file, bool cloexec) {
  if (fd < 0 || fd >= max_fds_) return err(EBADF);
  if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd] = Slot{std::move(file), cloexec};
  return {};
}

Result<void> FdTable::close(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return err(EBADF);
  slots_[fd] = Slot{};
  return {};
}

Result<void> FdTable::check_free_slot() const {
  for (int fd = 0; fd < max_fds_; ++fd)
    if (static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return {};
  return err(EMFILE);
}

void FdTable::close_on_exec() {
  for (auto& s : slots_)
    if (s.file && s.cloexec) s = Slot{};
}

Result<bool> FdTable::cloexec(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return err(EBADF);
  return slots_[fd].cloexec;
}

Result<void> FdTable::set_cloexec(int fd, bool on) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return err(EBADF);
  slots_[fd].cloexec = on;
  return {};
}

}  // namespace lx
