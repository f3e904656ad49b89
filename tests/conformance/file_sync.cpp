// sync_file_range(2): the write-back hint's argument checks in Linux's order
// (fd, then flags and range, then the file type) on regular files,
// directories, pipes and devices.
#include "common.h"

#include <fcntl.h>

#include <string>

#include "tmpdir.h"

using namespace conf;

namespace {

constexpr unsigned kAllFlags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;

long SyncRange(int fd, int64_t offset, int64_t nbytes, unsigned flags) {
  return syscall(SYS_sync_file_range, fd, offset, nbytes, flags);
}

TEST(SyncFileRange, RegularFileWithEveryFlagCombinationSucceeds) {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(5, write(fd, "hello", 5));
  for (unsigned flags = 0; flags <= kAllFlags; ++flags) EXPECT_EQ(0, SyncRange(fd, 0, 0, flags)) << flags;
  EXPECT_EQ(0, SyncRange(fd, 1, 3, kAllFlags));
  EXPECT_EQ(0, SyncRange(fd, 1 << 20, 4096, SYNC_FILE_RANGE_WRITE));  // beyond the end
  close(fd);
}

TEST(SyncFileRange, DirectorySucceeds) {
  TempDir dir;
  int fd = open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(0, SyncRange(fd, 0, 0, kAllFlags));
  close(fd);
}

TEST(SyncFileRange, UnknownFlagsAndBadRangesAreEINVAL) {
  TempDir dir;
  const std::string path = dir.path() + "/f";
  int fd = open(path.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_ERRNO(EINVAL, SyncRange(fd, 0, 0, 8));
  EXPECT_ERRNO(EINVAL, SyncRange(fd, 0, 0, ~0u));
  EXPECT_ERRNO(EINVAL, SyncRange(fd, -1, 0, 0));
  EXPECT_ERRNO(EINVAL, SyncRange(fd, 0, -1, 0));
  EXPECT_ERRNO(EINVAL, SyncRange(fd, 10, -5, 0));
  EXPECT_ERRNO(EINVAL, SyncRange(fd, INT64_MAX, 1, 0));  // offset + nbytes overflows
  EXPECT_EQ(0, SyncRange(fd, INT64_MAX, 0, 0));
  close(fd);
}

TEST(SyncFileRange, BadFdIsEBADFBeforeTheFlags) {
  EXPECT_ERRNO(EBADF, SyncRange(-1, 0, 0, 0));
  EXPECT_ERRNO(EBADF, SyncRange(-1, -1, 0, 8));
  EXPECT_ERRNO(EBADF, SyncRange(9999, 0, 0, kAllFlags));
}

TEST(SyncFileRange, OPathFdIsEBADF) {
  int fd = open(Fixture("hello.txt").c_str(), O_PATH);
  ASSERT_GE(fd, 0);
  EXPECT_ERRNO(EBADF, SyncRange(fd, 0, 0, 0));
  close(fd);
}

TEST(SyncFileRange, PipeAndCharacterDeviceAreESPIPE) {
  int p[2];
  ASSERT_EQ(0, pipe(p));
  EXPECT_ERRNO(ESPIPE, SyncRange(p[0], 0, 0, 0));
  EXPECT_ERRNO(ESPIPE, SyncRange(p[1], 0, 0, kAllFlags));
  EXPECT_ERRNO(EINVAL, SyncRange(p[1], 0, 0, 8));  // flags before the type
  close(p[0]);
  close(p[1]);
  int null = open("/dev/null", O_WRONLY);
  ASSERT_GE(null, 0);
  EXPECT_ERRNO(ESPIPE, SyncRange(null, 0, 0, kAllFlags));
  close(null);
}

}  // namespace
