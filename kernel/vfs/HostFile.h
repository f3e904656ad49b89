// Open files backed by a host file descriptor: hostfs regular files and
// directories, and the host's own stdio/terminal fds handed to a guest.
#pragma once

#include "kernel/vfs/OpenFile.h"

namespace lx {

// Wraps host_fd (ownership passes to the returned file; it is closed when
// the last guest fd referring to it goes). status_flags are the guest's
// open(2) flags for the description (access mode, O_APPEND, O_NONBLOCK...).
OpenFileRef make_host_fd_file(int host_fd, int status_flags);

}  // namespace lx
