// Open files backed by a host file descriptor: hostfs regular files and
// directories, and the host's own stdio/terminal fds handed to a guest.
#pragma once

#include <cstdint>

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

}  // namespace lx
