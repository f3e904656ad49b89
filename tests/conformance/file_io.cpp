// read/write/readv/writev/pread64/pwrite64/lseek.
#include "common.h"

#include <climits>
#include <sys/uio.h>

using namespace conf;

namespace {

// fd 1 is where write tests go; if it discards everything (/dev/null), bad
// buffers are never read and the EFAULT checks would be meaningless.
bool StdoutDiscards() {
  struct stat st;
  return fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

}  // namespace

TEST(Read, ReadsWholeFixtureThenZeroAtEof) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[128] = {};
  ASSERT_EQ(read(fd, buf, sizeof buf), (ssize_t)kHelloSize);
  EXPECT_EQ(std::string(buf, kHelloSize), kHelloText);
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
}

TEST(Read, SequentialReadsAdvanceTheOffset) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  std::string got;
  char buf[10];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    EXPECT_LE(n, (ssize_t)sizeof buf);
    got.append(buf, n);
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(got, kHelloText);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), (off_t)kHelloSize);
}

TEST(Read, ZeroCountReturnsZeroWithoutMovingOffset) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[1];
  EXPECT_EQ(read(fd, buf, 0), 0);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST(Read, EmptyFileReturnsZero) {
  ScopedFd fd(OpenFixture("empty"));
  ASSERT_SYS_OK(fd.get());
  char buf[8];
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
}

TEST(Read, BadFdFailsWithEBADF) {
  char buf[8];
  EXPECT_ERRNO(EBADF, read(-1, buf, sizeof buf));
  EXPECT_ERRNO(EBADF, read(INT_MAX, buf, sizeof buf));
  EXPECT_ERRNO(EBADF, read(9999, buf, sizeof buf));
}

TEST(Read, ClosedFdFailsWithEBADF) {
  int fd = OpenFixture("hello.txt");
  ASSERT_SYS_OK(fd);
  ASSERT_SYS_OK(close(fd));
  char buf[8];
  EXPECT_ERRNO(EBADF, read(fd, buf, sizeof buf));
}

TEST(Read, WriteOnlyFdFailsWithEBADF) {
  // A character device may be opened for writing on a read-only root.
  ScopedFd fd(open("/dev/null", O_WRONLY));
  ASSERT_SYS_OK(fd.get());
  char buf[8];
  EXPECT_ERRNO(EBADF, read(fd, buf, sizeof buf));
}

TEST(Read, BadBufferFailsWithEFAULT) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, read(fd, kNullPtr, 8));
  EXPECT_ERRNO(EFAULT, read(fd, kOnePtr, 8));
  EXPECT_ERRNO(EFAULT, read(fd, kKernelPtr, 8));
  EXPECT_ERRNO(EFAULT, read(fd, page.End(), 8));
  // Nothing was consumed by the failed reads.
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
}

TEST(Read, DirectoryFailsWithEISDIR) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  char buf[8];
  EXPECT_ERRNO(EISDIR, read(fd, buf, sizeof buf));
}

TEST(Read, OPathFdFailsWithEBADF) {
  ScopedFd fd(OpenFixture("hello.txt", O_PATH));
  ASSERT_SYS_OK(fd.get());
  char buf[8];
  EXPECT_ERRNO(EBADF, read(fd, buf, sizeof buf));
}

TEST(Write, StdoutAcceptsBytes) {
  const char msg[] = "[conformance] write to stdout\n";
  EXPECT_EQ(write(1, msg, sizeof msg - 1), (ssize_t)(sizeof msg - 1));
}

TEST(Write, ReadOnlyFdFailsWithEBADF) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EBADF, write(fd, "x", 1));
  // The access mode is checked before the buffer.
  EXPECT_ERRNO(EBADF, write(fd, kNullPtr, 1));
}

TEST(Write, DirectoryFdFailsWithEBADF) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EBADF, write(fd, "x", 1));
}

TEST(Write, BadFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, write(-1, "x", 1));
  EXPECT_ERRNO(EBADF, write(INT_MAX, "x", 1));
}

TEST(Write, BadBufferFailsWithEFAULT) {
  if (StdoutDiscards()) GTEST_SKIP() << "stdout is /dev/null";
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, write(1, kOnePtr, 4));
  EXPECT_ERRNO(EFAULT, write(1, kKernelPtr, 4));
  EXPECT_ERRNO(EFAULT, write(1, page.End(), 4));
}

TEST(Write, DevNullSwallowsEverything) {
  ScopedFd fd(open("/dev/null", O_WRONLY));
  ASSERT_SYS_OK(fd.get());
  char buf[256] = {};
  EXPECT_EQ(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
}

TEST(Lseek, SeekSetCurEnd) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(lseek(fd, 10, SEEK_SET), 10);
  char c;
  ASSERT_EQ(read(fd, &c, 1), 1);
  EXPECT_EQ(c, kHelloText[10]);
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 11);
  EXPECT_EQ(lseek(fd, 5, SEEK_CUR), 16);
  EXPECT_EQ(lseek(fd, -6, SEEK_CUR), 10);
  EXPECT_EQ(lseek(fd, 0, SEEK_END), (off_t)kHelloSize);
  EXPECT_EQ(lseek(fd, -2, SEEK_END), (off_t)kHelloSize - 2);
  ASSERT_EQ(read(fd, &c, 1), 1);
  EXPECT_EQ(c, kHelloText[kHelloSize - 2]);
}

TEST(Lseek, PastEndIsAllowedAndReadsZero) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(lseek(fd, 1000, SEEK_SET), 1000);
  EXPECT_EQ(lseek(fd, 100, SEEK_END), (off_t)kHelloSize + 100);
  char buf[8];
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
}

TEST(Lseek, NegativeResultFailsWithEINVALAndKeepsOffset) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  ASSERT_EQ(lseek(fd, 7, SEEK_SET), 7);
  EXPECT_ERRNO(EINVAL, lseek(fd, -1, SEEK_SET));
  EXPECT_ERRNO(EINVAL, lseek(fd, -8, SEEK_CUR));
  EXPECT_ERRNO(EINVAL, lseek(fd, -(off_t)kHelloSize - 1, SEEK_END));
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 7);
}

TEST(Lseek, BadWhenceFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, lseek(fd, 0, 5));
  EXPECT_ERRNO(EINVAL, lseek(fd, 0, -1));
  EXPECT_ERRNO(EINVAL, lseek(fd, 0, 1000));
}

TEST(Lseek, BadFdFailsWithEBADF) {
  EXPECT_ERRNO(EBADF, lseek(-1, 0, SEEK_SET));
  EXPECT_ERRNO(EBADF, lseek(INT_MAX, 0, SEEK_SET));
}

TEST(Lseek, SeekDataAndHoleOnAFileWithoutHoles) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(lseek(fd, 0, SEEK_DATA), 0);
  EXPECT_EQ(lseek(fd, 0, SEEK_HOLE), (off_t)kHelloSize);
  EXPECT_ERRNO(ENXIO, lseek(fd, kHelloSize, SEEK_DATA));
}

TEST(Pread64, ReadsAtOffsetWithoutMovingFileOffset) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[5] = {};
  EXPECT_EQ(pread(fd, buf, sizeof buf, 36), 5);
  EXPECT_EQ(std::string(buf, 5), std::string(kHelloText + 36, 5));
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
  // A short read at the end, then zero past it.
  EXPECT_EQ(pread(fd, buf, sizeof buf, kHelloSize - 2), 2);
  EXPECT_EQ(pread(fd, buf, sizeof buf, kHelloSize), 0);
  EXPECT_EQ(pread(fd, buf, sizeof buf, 1 << 20), 0);
}

TEST(Pread64, NegativeOffsetFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[4];
  EXPECT_ERRNO(EINVAL, syscall(SYS_pread64, fd.get(), buf, sizeof buf, -1L));
  // The offset is checked before the fd.
  EXPECT_ERRNO(EINVAL, syscall(SYS_pread64, -1, buf, sizeof buf, -1L));
}

TEST(Pread64, BadFdAndDirectory) {
  char buf[4];
  EXPECT_ERRNO(EBADF, pread(-1, buf, sizeof buf, 0));
  ScopedFd dir(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  EXPECT_ERRNO(EISDIR, pread(dir, buf, sizeof buf, 0));
}

TEST(Pread64, BadBufferFailsWithEFAULT) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EFAULT, pread(fd, kOnePtr, 4, 0));
  EXPECT_ERRNO(EFAULT, pread(fd, kKernelPtr, 4, 0));
}

TEST(Pwrite64, ReadOnlyFdFailsWithEBADF) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EBADF, pwrite(fd, "x", 1, 0));
  EXPECT_ERRNO(EBADF, pwrite(-1, "x", 1, 0));
}

TEST(Pwrite64, NegativeOffsetFailsWithEINVAL) {
  ScopedFd fd(open("/dev/null", O_WRONLY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, syscall(SYS_pwrite64, fd.get(), "x", 1, -1L));
  EXPECT_ERRNO(EINVAL, syscall(SYS_pwrite64, -1, "x", 1, -1L));
}

TEST(Readv, ScattersIntoBuffersInOrder) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char a[10], b[1], c[100];
  struct iovec iov[4] = {{a, sizeof a}, {nullptr, 0}, {b, sizeof b}, {c, sizeof c}};
  ASSERT_EQ(readv(fd, iov, 4), (ssize_t)kHelloSize);
  EXPECT_EQ(std::string(a, 10), std::string(kHelloText, 10));
  EXPECT_EQ(b[0], kHelloText[10]);
  EXPECT_EQ(std::string(c, kHelloSize - 11), std::string(kHelloText + 11));
  EXPECT_EQ(readv(fd, iov, 4), 0);
}

TEST(Readv, ZeroIovcntReturnsZero) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(readv(fd, nullptr, 0), 0);
}

TEST(Readv, BadIovcntFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  static struct iovec iov[IOV_MAX + 1];
  char buf[1];
  for (auto& v : iov) v = {buf, 1};
  EXPECT_ERRNO(EINVAL, readv(fd, iov, Opaque(-1)));
  EXPECT_ERRNO(EINVAL, readv(fd, iov, IOV_MAX + 1));
  EXPECT_ERRNO(EINVAL, syscall(SYS_readv, fd.get(), iov, INT_MIN));
}

TEST(Readv, OverflowingTotalLengthFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[8];
  struct iovec one_huge = {buf, (size_t)SSIZE_MAX + 1};
  EXPECT_ERRNO(EINVAL, readv(fd, &one_huge, 1));
}

TEST(Readv, BadIovFailsWithEFAULT) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EFAULT, readv(fd, (struct iovec*)kNullPtr, 1));
  EXPECT_ERRNO(EFAULT, readv(fd, (struct iovec*)kKernelPtr, 1));
  struct iovec bad_base = {kOnePtr, 8};
  EXPECT_ERRNO(EFAULT, readv(fd, &bad_base, 1));
}

TEST(Readv, BadFdFailsWithEBADF) {
  char buf[8];
  struct iovec iov = {buf, sizeof buf};
  EXPECT_ERRNO(EBADF, readv(-1, &iov, 1));
}

TEST(Writev, GathersToStdout) {
  char a[] = "[conformance] ", b[] = "writev ", c[] = "to stdout\n";
  struct iovec iov[4] = {{a, sizeof a - 1}, {nullptr, 0}, {b, sizeof b - 1}, {c, sizeof c - 1}};
  EXPECT_EQ(writev(1, iov, 4), (ssize_t)(sizeof a + sizeof b + sizeof c - 3));
}

TEST(Writev, BadIovcntFailsWithEINVAL) {
  char x[] = "x";
  static struct iovec iov[IOV_MAX + 1];
  for (auto& v : iov) v = {x, 0};
  EXPECT_ERRNO(EINVAL, writev(1, iov, Opaque(-1)));
  EXPECT_ERRNO(EINVAL, writev(1, iov, IOV_MAX + 1));
}

TEST(Writev, ReadOnlyFdFailsWithEBADF) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char x[] = "x";
  struct iovec iov = {x, 1};
  EXPECT_ERRNO(EBADF, writev(fd, &iov, 1));
  EXPECT_ERRNO(EBADF, writev(-1, &iov, 1));
}

TEST(Writev, BadIovFailsWithEFAULT) {
  if (StdoutDiscards()) GTEST_SKIP() << "stdout is /dev/null";
  EXPECT_ERRNO(EFAULT, writev(1, (struct iovec*)kOnePtr, 1));
  struct iovec bad_base = {kKernelPtr, 8};
  EXPECT_ERRNO(EFAULT, writev(1, &bad_base, 1));
}
