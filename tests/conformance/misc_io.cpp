// close_range, preadv2/pwritev2, copy_file_range, SEEK_DATA/SEEK_HOLE,
// creat and splice's argument checks.
#include "common.h"
#include "tmpdir.h"

#include <sys/uio.h>

using namespace conf;

namespace {

constexpr unsigned kCloseRangeCloexec = 4;

long RawCloseRange(unsigned first, unsigned last, unsigned flags) {
  return syscall(SYS_close_range, first, last, flags);
}

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1; }

class MiscIo : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(WriteFile(file_, "0123456789")); }
  TempDir dir_;
  std::string file_ = dir_ / "f";
};

}  // namespace

TEST_F(MiscIo, CloseRangeClosesEveryFdInRange) {
  int fds[3];
  for (int& fd : fds) ASSERT_SYS_OK(fd = open("/dev/null", O_RDONLY));
  // Leave a hole: fds in the range that are not open are skipped.
  ASSERT_SYS_OK(close(fds[1]));
  const int lo = std::min(fds[0], fds[2]), hi = std::max(fds[0], fds[2]);
  ASSERT_SYS_OK(RawCloseRange(static_cast<unsigned>(lo), static_cast<unsigned>(hi), 0));
  EXPECT_FALSE(IsOpen(fds[0]));
  EXPECT_FALSE(IsOpen(fds[2]));
  EXPECT_TRUE(IsOpen(1));
}

TEST_F(MiscIo, CloseRangeCloexec) {
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_SYS_OK(fd);
  ASSERT_SYS_OK(RawCloseRange(static_cast<unsigned>(fd), ~0u, kCloseRangeCloexec));
  EXPECT_TRUE(IsOpen(fd));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  ASSERT_SYS_OK(RawCloseRange(static_cast<unsigned>(fd), ~0u, 0));
  EXPECT_FALSE(IsOpen(fd));
}

TEST_F(MiscIo, CloseRangeErrors) {
  EXPECT_ERRNO(EINVAL, RawCloseRange(10, 5, 0));
  EXPECT_ERRNO(EINVAL, RawCloseRange(1000, 1000, 1));
  EXPECT_SYS_OK(RawCloseRange(100000, 200000, 0));
}

TEST_F(MiscIo, Preadv2AtOffsetLeavesFileOffset) {
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  char a[3] = {}, b[2] = {};
  struct iovec iov[2] = {{a, 3}, {b, 2}};
  EXPECT_EQ(preadv2(fd, iov, 2, 4, 0), 5);
  EXPECT_EQ(std::string(a, 3), "456");
  EXPECT_EQ(std::string(b, 2), "78");
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST_F(MiscIo, Preadv2OffsetMinusOneUsesFileOffset) {
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  ASSERT_EQ(lseek(fd, 2, SEEK_SET), 2);
  char a[4] = {};
  struct iovec iov = {a, 4};
  EXPECT_EQ(preadv2(fd, &iov, 1, -1, 0), 4);
  EXPECT_EQ(std::string(a, 4), "2345");
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 6);
  EXPECT_EQ(preadv2(fd, &iov, 1, -1, RWF_HIPRI), 4);
}

TEST_F(MiscIo, Preadv2Errors) {
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  char a[4];
  struct iovec iov = {a, 4};
  EXPECT_ERRNO(EINVAL, preadv2(fd, &iov, 1, -2, 0));
  EXPECT_ERRNO(EOPNOTSUPP, preadv2(fd, &iov, 1, 0, 0x40000000));
  EXPECT_ERRNO(EBADF, preadv2(-1, &iov, 1, 0, 0));
  ScopedFd wo(open(file_.c_str(), O_WRONLY));
  EXPECT_ERRNO(EBADF, preadv2(wo, &iov, 1, 0, 0));
}

TEST_F(MiscIo, Pwritev2OffsetsAndAppend) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  struct iovec iov = {const_cast<char*>("ab"), 2};
  EXPECT_EQ(pwritev2(fd, &iov, 1, 3, 0), 2);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
  EXPECT_EQ(pwritev2(fd, &iov, 1, -1, 0), 2);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
  EXPECT_EQ(ReadFile(file_), "ab2ab56789");
  // RWF_APPEND: at end of file whatever the offset.
  EXPECT_EQ(pwritev2(fd, &iov, 1, 0, RWF_APPEND), 2);
  EXPECT_EQ(ReadFile(file_), "ab2ab56789ab");
  EXPECT_EQ(pwritev2(fd, &iov, 1, -1, RWF_DSYNC), 2);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 4);
  ScopedFd ro(open(file_.c_str(), O_RDONLY));
  EXPECT_ERRNO(EBADF, pwritev2(ro, &iov, 1, 0, 0));
  EXPECT_ERRNO(EINVAL, pwritev2(fd, &iov, 1, -5, 0));
}

TEST_F(MiscIo, CopyFileRangeWithOffsets) {
  ScopedFd in(open(file_.c_str(), O_RDONLY));
  ScopedFd out(open((dir_ / "g").c_str(), O_RDWR | O_CREAT, 0644));
  loff_t off_in = 2, off_out = 1;
  EXPECT_EQ(copy_file_range(in, &off_in, out, &off_out, 5, 0), 5);
  EXPECT_EQ(off_in, 7);
  EXPECT_EQ(off_out, 6);
  EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0);
  EXPECT_EQ(ReadFile(dir_ / "g"), std::string("\0" "23456", 6));
  // Stops at the input's end of file.
  off_in = 8;
  EXPECT_EQ(copy_file_range(in, &off_in, out, nullptr, 100, 0), 2);
  EXPECT_EQ(lseek(out, 0, SEEK_CUR), 2);
  off_in = 50;
  EXPECT_EQ(copy_file_range(in, &off_in, out, nullptr, 100, 0), 0);
}

TEST_F(MiscIo, CopyFileRangeUsesFileOffsets) {
  ScopedFd in(open(file_.c_str(), O_RDONLY));
  ScopedFd out(open((dir_ / "g").c_str(), O_WRONLY | O_CREAT, 0644));
  ASSERT_EQ(lseek(in, 4, SEEK_SET), 4);
  EXPECT_EQ(copy_file_range(in, nullptr, out, nullptr, 3, 0), 3);
  EXPECT_EQ(lseek(in, 0, SEEK_CUR), 7);
  EXPECT_EQ(lseek(out, 0, SEEK_CUR), 3);
  EXPECT_EQ(ReadFile(dir_ / "g"), "456");
}

TEST_F(MiscIo, CopyFileRangeErrors) {
  ScopedFd in(open(file_.c_str(), O_RDONLY));
  ScopedFd rw(open(file_.c_str(), O_RDWR));
  ScopedFd out(open((dir_ / "g").c_str(), O_WRONLY | O_CREAT, 0644));
  ScopedFd app(open((dir_ / "g").c_str(), O_WRONLY | O_APPEND));
  ScopedFd d(open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  EXPECT_ERRNO(EBADF, copy_file_range(-1, nullptr, out, nullptr, 1, 0));
  EXPECT_ERRNO(EBADF, copy_file_range(in, nullptr, -1, nullptr, 1, 0));
  EXPECT_ERRNO(EINVAL, copy_file_range(in, nullptr, out, nullptr, 1, 1));
  EXPECT_ERRNO(EBADF, copy_file_range(in, nullptr, app, nullptr, 1, 0));
  EXPECT_ERRNO(EBADF, copy_file_range(out, nullptr, in, nullptr, 1, 0));
  EXPECT_ERRNO(EISDIR, copy_file_range(d, nullptr, out, nullptr, 1, 0));
  loff_t a = 0, b = 2;
  EXPECT_ERRNO(EINVAL, copy_file_range(rw, &a, rw, &b, 5, 0));  // overlapping ranges of one file
  EXPECT_ERRNO(EFAULT, syscall(SYS_copy_file_range, in.get(), kOnePtr, out.get(), nullptr, 1, 0));
}

TEST_F(MiscIo, SeekDataAndHole) {
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  EXPECT_EQ(lseek(fd, 0, SEEK_DATA), 0);
  EXPECT_EQ(lseek(fd, 3, SEEK_DATA), 3);
  EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), 10);  // the implicit hole at end of file
  EXPECT_ERRNO(ENXIO, lseek(fd, 10, SEEK_DATA));
  EXPECT_ERRNO(ENXIO, lseek(fd, 11, SEEK_HOLE));
}

TEST_F(MiscIo, CreatTruncatesAndIsWriteOnly) {
  const mode_t old = umask(022);
  int fd = creat(file_.c_str(), 0666);
  ASSERT_SYS_OK(fd);
  char c;
  EXPECT_ERRNO(EBADF, read(fd, &c, 1));
  EXPECT_EQ(write(fd, "z", 1), 1);
  close(fd);
  EXPECT_EQ(ReadFile(file_), "z");
  int nfd = creat((dir_ / "new").c_str(), 0666);
  umask(old);
  ASSERT_SYS_OK(nfd);
  close(nfd);
  struct stat st;
  ASSERT_SYS_OK(stat((dir_ / "new").c_str(), &st));
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_ERRNO(ENOENT, creat((dir_ / "nope/x").c_str(), 0644));
  EXPECT_ERRNO(EISDIR, creat(dir_.path().c_str(), 0644));
}

TEST_F(MiscIo, SpliceNeedsAPipe) {
  ScopedFd in(open(file_.c_str(), O_RDONLY));
  ScopedFd out(open((dir_ / "g").c_str(), O_WRONLY | O_CREAT, 0644));
  EXPECT_EQ(splice(in, nullptr, out, nullptr, 0, 0), 0);  // zero length: nothing checked
  EXPECT_ERRNO(EINVAL, splice(in, nullptr, out, nullptr, 4, 0));
  EXPECT_ERRNO(EINVAL, splice(in, nullptr, out, nullptr, 4, 0x100));
  EXPECT_ERRNO(EBADF, splice(-1, nullptr, out, nullptr, 4, 0));
  EXPECT_ERRNO(EBADF, splice(out, nullptr, in, nullptr, 4, 0));
}
