// Open files backed by a host file descriptor: hostfs regular files and
// directories, and the host's own stdio/terminal fds handed to a guest.
#pragma once

#include <cstdint>
#include <memory>

#include "kernel/vfs/OpenFile.h"

namespace lx {

// Wraps host_fd (ownership passes to the returned file; it is closed when
// the last guest fd referring to it goes). status_flags are the guest's
// open(2) flags for the description (access mode, O_APPEND, O_NONBLOCK...).
OpenFileRef make_host_fd_file(int host_fd, int status_flags);

// The same, for an opener that has just fstat'ed host_fd: the file type and
// identity cannot change for an open description, so the file never asks
// the host for them again.
struct HostFileIdentity {
  unsigned mode;  // st_mode (only the S_IFMT bits are used)
  uint64_t dev, ino;
};
OpenFileRef make_host_fd_file(int host_fd, int status_flags, const HostFileIdentity& id);

// The same for an fd that `owner` owns (say, the hostfs inode of a file just
// created: one host fd serves both): the file keeps owner alive and never
// closes host_fd. mode: the file's st_mode (type); its identity is asked of
// the host only if needed.
OpenFileRef make_host_fd_file_borrowed(int host_fd, int status_flags, unsigned mode,
                                       std::shared_ptr<const void> owner);

}  // namespace lx
