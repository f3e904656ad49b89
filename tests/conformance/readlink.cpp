// readlink/readlinkat.
#include "common.h"

#include <climits>

using namespace conf;

namespace {

std::string ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return "<error " + ErrnoName(errno) + ">";
  return std::string(buf, n);
}

}  // namespace

TEST(Readlink, ReturnsTargetsVerbatim) {
  EXPECT_EQ(ReadLink(Fixture("rel_link")), "hello.txt");
  EXPECT_EQ(ReadLink(Fixture("abs_link")), "/etc/passwd");
  EXPECT_EQ(ReadLink(Fixture("dangling")), "does-not-exist");
  EXPECT_EQ(ReadLink(Fixture("loop_a")), "loop_b");
  EXPECT_EQ(ReadLink(Fixture("dir_link")), "dir");
  EXPECT_EQ(ReadLink(Fixture("dir_link/link")), "one");
}

TEST(Readlink, DoesNotNulTerminate) {
  char buf[32];
  memset(buf, '#', sizeof buf);
  ASSERT_EQ(readlink(Fixture("rel_link").c_str(), buf, sizeof buf), 9);
  EXPECT_EQ(std::string(buf, 9), "hello.txt");
  EXPECT_EQ(buf[9], '#');
}

TEST(Readlink, SmallBufferTruncatesSilently) {
  char buf[8];
  memset(buf, '#', sizeof buf);
  ASSERT_EQ(readlink(Fixture("rel_link").c_str(), buf, 3), 3);
  EXPECT_EQ(std::string(buf, 3), "hel");
  EXPECT_EQ(buf[3], '#');
  ASSERT_EQ(readlink(Fixture("rel_link").c_str(), buf, 1), 1);
  EXPECT_EQ(buf[0], 'h');
}

TEST(Readlink, NonPositiveBufsizFailsWithEINVAL) {
  char buf[8];
  EXPECT_ERRNO(EINVAL, syscall(SYS_readlink, Fixture("rel_link").c_str(), buf, 0));
  EXPECT_ERRNO(EINVAL, syscall(SYS_readlink, Fixture("rel_link").c_str(), buf, -1));
}

TEST(Readlink, NonSymlinkFailsWithEINVAL) {
  char buf[64];
  EXPECT_ERRNO(EINVAL, readlink(Fixture("hello.txt").c_str(), buf, sizeof buf));
  EXPECT_ERRNO(EINVAL, readlink(Fixture("dir").c_str(), buf, sizeof buf));
  // A trailing slash follows the link, leaving a directory.
  EXPECT_ERRNO(EINVAL, readlink(Fixture("dir_link/").c_str(), buf, sizeof buf));
}

TEST(Readlink, MissingAndNotDirErrors) {
  char buf[64];
  EXPECT_ERRNO(ENOENT, readlink(Fixture("nope").c_str(), buf, sizeof buf));
  EXPECT_ERRNO(ENOENT, readlink("", buf, sizeof buf));
  EXPECT_ERRNO(ENOTDIR, readlink(Fixture("hello.txt/x").c_str(), buf, sizeof buf));
  EXPECT_ERRNO(ELOOP, readlink(Fixture("loop_a/x").c_str(), buf, sizeof buf));
}

TEST(Readlink, BadPointersFailWithEFAULT) {
  char buf[64];
  std::string link = Fixture("rel_link");
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_readlink, link.c_str(), kNullPtr, 64));
  EXPECT_ERRNO(EFAULT, syscall(SYS_readlink, link.c_str(), kKernelPtr, 64));
  EXPECT_ERRNO(EFAULT, syscall(SYS_readlink, kNullPtr, buf, 64));
  EXPECT_ERRNO(EFAULT, syscall(SYS_readlink, page.UnterminatedString(32), buf, 64));
}

TEST(Readlinkat, RelativeToDirfd) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  char buf[64];
  ssize_t n = readlinkat(dir, "abs_link", buf, sizeof buf);
  ASSERT_EQ(n, 11);
  EXPECT_EQ(std::string(buf, n), "/etc/passwd");
  n = readlinkat(dir, "dir/link", buf, sizeof buf);
  ASSERT_EQ(n, 3);
  EXPECT_EQ(std::string(buf, n), "one");
}

TEST(Readlinkat, EmptyPathReadsAnOPathSymlinkFd) {
  ScopedFd link(OpenFixture("rel_link", O_PATH | O_NOFOLLOW));
  ASSERT_SYS_OK(link.get());
  char buf[64];
  ssize_t n = readlinkat(link, "", buf, sizeof buf);
  ASSERT_EQ(n, 9) << ErrnoName(errno);
  EXPECT_EQ(std::string(buf, n), "hello.txt");
}

TEST(Readlinkat, EmptyPathOnANonSymlinkFailsWithENOENT) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[64];
  EXPECT_ERRNO(ENOENT, readlinkat(fd, "", buf, sizeof buf));
}

TEST(Readlinkat, BadDirfdFailsWithEBADF) {
  char buf[64];
  EXPECT_ERRNO(EBADF, readlinkat(-1, "rel_link", buf, sizeof buf));
  EXPECT_ERRNO(EBADF, readlinkat(INT_MAX, "rel_link", buf, sizeof buf));
}

TEST(Readlinkat, FileAsDirfdFailsWithENOTDIR) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[64];
  EXPECT_ERRNO(ENOTDIR, readlinkat(fd, "x", buf, sizeof buf));
}
