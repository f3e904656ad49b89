// Linux x86-64 ABI structures the kernel copies to and from guests. Layouts
// are the kernel's (not a host libc's), so a non-Linux host can use them too.
#pragma once

#include <cstdint>

namespace lx::abi {

struct Stat {  // struct stat, x86-64 (144 bytes)
  uint64_t st_dev;
  uint64_t st_ino;
  uint64_t st_nlink;
  uint32_t st_mode;
  uint32_t st_uid;
  uint32_t st_gid;
  uint32_t pad0;
  uint64_t st_rdev;
  int64_t st_size;
  int64_t st_blksize;
  int64_t st_blocks;
  int64_t st_atime_sec, st_atime_nsec;
  int64_t st_mtime_sec, st_mtime_nsec;
  int64_t st_ctime_sec, st_ctime_nsec;
  int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

struct StatFs {  // struct statfs, x86-64 (120 bytes)
  int64_t f_type;
  int64_t f_bsize;
  uint64_t f_blocks;
  uint64_t f_bfree;
  uint64_t f_bavail;
  uint64_t f_files;
  uint64_t f_ffree;
  int32_t f_fsid[2];
  int64_t f_namelen;
  int64_t f_frsize;
  int64_t f_flags;
  int64_t f_spare[4];
};
static_assert(sizeof(StatFs) == 120);

struct Timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

struct Iovec {
  uint64_t base;
  uint64_t len;
};

constexpr int kAtFdCwd = -100;
constexpr int kIovMax = 1024;
constexpr uint64_t kMaxRwCount = 0x7ffff000;  // MAX_RW_COUNT: Linux clamps I/O sizes to this
constexpr int kPathMax = 4096;

}  // namespace lx::abi
