// ioctl on regular files, directories and bad fds.
#include "common.h"

#include <climits>
#include <sys/ioctl.h>
#include <termios.h>

using namespace conf;

TEST(Ioctl, TcgetsOnRegularFileFailsWithENOTTY) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  struct termios t;
  EXPECT_ERRNO(ENOTTY, ioctl(fd, TCGETS, &t));
  EXPECT_ERRNO(ENOTTY, ioctl(fd, TIOCGWINSZ, &t));
  EXPECT_ERRNO(ENOTTY, ioctl(fd, TIOCGPGRP, &t));
  // The argument is never looked at.
  EXPECT_ERRNO(ENOTTY, ioctl(fd, TCGETS, kKernelPtr));
}

TEST(Ioctl, TcgetsOnDirectoryAndDevNullFailsWithENOTTY) {
  ScopedFd dir(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  struct termios t;
  EXPECT_ERRNO(ENOTTY, ioctl(dir, TCGETS, &t));
  ScopedFd null(open("/dev/null", O_RDONLY));
  ASSERT_SYS_OK(null.get());
  EXPECT_ERRNO(ENOTTY, ioctl(null, TCGETS, &t));
}

TEST(Ioctl, UnknownRequestOnRegularFileFailsWithENOTTY) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(ENOTTY, ioctl(fd, 0x12345678, 0));
}

TEST(Ioctl, BadFdFailsWithEBADF) {
  struct termios t;
  EXPECT_ERRNO(EBADF, ioctl(-1, TCGETS, &t));
  EXPECT_ERRNO(EBADF, ioctl(INT_MAX, TCGETS, &t));
  EXPECT_ERRNO(EBADF, ioctl(-1, FIONREAD, kNullPtr));
  ScopedFd path(OpenFixture("hello.txt", O_PATH));
  ASSERT_SYS_OK(path.get());
  EXPECT_ERRNO(EBADF, ioctl(path, TCGETS, &t));
}

TEST(Ioctl, FionreadOnRegularFileReportsBytesLeft) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  int n = -1;
  ASSERT_SYS_OK(ioctl(fd, FIONREAD, &n));
  EXPECT_EQ(n, (int)kHelloSize);
  ASSERT_EQ(lseek(fd, 60, SEEK_SET), 60);
  ASSERT_SYS_OK(ioctl(fd, FIONREAD, &n));
  EXPECT_EQ(n, (int)kHelloSize - 60);
  EXPECT_ERRNO(EFAULT, ioctl(fd, FIONREAD, kNullPtr));
  EXPECT_ERRNO(EFAULT, ioctl(fd, FIONREAD, kKernelPtr));
}

TEST(Ioctl, FioclexAndFionclexToggleCloseOnExec) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  ASSERT_SYS_OK(ioctl(fd, FIOCLEX));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  ASSERT_SYS_OK(ioctl(fd, FIONCLEX));
  EXPECT_EQ(fcntl(fd, F_GETFD), 0);
}

TEST(Ioctl, FionbioTogglesNonblock) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  int on = 1, off = 0;
  ASSERT_SYS_OK(ioctl(fd, FIONBIO, &on));
  EXPECT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  ASSERT_SYS_OK(ioctl(fd, FIONBIO, &off));
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_ERRNO(EFAULT, ioctl(fd, FIONBIO, kNullPtr));
}
