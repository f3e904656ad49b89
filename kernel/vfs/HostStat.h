// Host struct stat -> the guest's struct stat. Field by field, because the
// host's layout is a libc detail while abi::Stat is the x86-64 kernel ABI.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cstring>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"

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

// statx's birth time of `name` in host directory dirfd, not followed;
// ENODATA where the host filesystem keeps none.
inline Result<abi::Timespec> statx_btime_at(int dirfd, const char* name) {
  struct statx x;
  if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, STATX_BTIME, &x) < 0) return err(errno);
  if (!(x.stx_mask & STATX_BTIME)) return err(ENODATA);
  return abi::Timespec{x.stx_btime.tv_sec, x.stx_btime.tv_nsec};
}

inline abi::StatFs to_abi_statfs(const struct statfs& s) {
  abi::StatFs o{};
  o.f_type = static_cast<int64_t>(s.f_type);
  o.f_bsize = static_cast<int64_t>(s.f_bsize);
  o.f_blocks = s.f_blocks;
  o.f_bfree = s.f_bfree;
  o.f_bavail = s.f_bavail;
  o.f_files = s.f_files;
  o.f_ffree = s.f_ffree;
  static_assert(sizeof(s.f_fsid) == sizeof(o.f_fsid));
  std::memcpy(o.f_fsid, &s.f_fsid, sizeof o.f_fsid);
  o.f_namelen = static_cast<int64_t>(s.f_namelen);
  o.f_frsize = static_cast<int64_t>(s.f_frsize);
  o.f_flags = static_cast<int64_t>(s.f_flags);
  return o;
}

}  // namespace lx
