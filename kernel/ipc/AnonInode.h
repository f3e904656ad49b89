// What fstat shows for files without a filesystem inode of their own
// (Linux's anon_inodefs: epoll, eventfd, timerfd, signalfd).
#pragma once

#include "kernel/abi/Linux.h"

namespace lx {

// No file type bits, owner read/write, one link, as anon_inode_getfile gives.
inline abi::Stat anon_inode_stat() {
  abi::Stat st{};
  st.st_mode = 0600;
  st.st_nlink = 1;
  st.st_blksize = 4096;
  return st;
}

}  // namespace lx
