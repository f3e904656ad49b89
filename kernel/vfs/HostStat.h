// Host struct stat -> the guest's struct stat. Field by field, because the
// host's layout is a libc detail while abi::Stat is the x86-64 kernel ABI.
#pragma once

#include <sys/stat.h>

#include "kernel/abi/Linux.h"

namespace lx {

inline abi::Stat to_abi_stat(const struct stat& s) {
  abi::Stat o{};
  o.st_dev = s.st_dev;
  o.st_ino = s.st_ino;
  o.st_nlink = s.st_nlink;
  o.st_mode = s.st_mode;
  o.st_uid = s.st_uid;
  o.st_gid = s.st_gid;
  o.st_rdev = s.st_rdev;
  o.st_size = s.st_size;
  o.st_blksize = s.st_blksize;
  o.st_blocks = s.st_blocks;
  o.st_atime_sec = s.st_atim.tv_sec;
  o.st_atime_nsec = s.st_atim.tv_nsec;
  o.st_mtime_sec = s.st_mtim.tv_sec;
  o.st_mtime_nsec = s.st_mtim.tv_nsec;
  o.st_ctime_sec = s.st_ctim.tv_sec;
  o.st_ctime_nsec = s.st_ctim.tv_nsec;
  return o;
}

}  // namespace lx
