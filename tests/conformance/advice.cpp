// posix_fadvise/readahead argument checks, and the socket-probe calls
// (getpeername/getsockname) on descriptors that are not sockets.
#include "common.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

long raw_fadvise(int fd, long off, long len, int advice) { return syscall(SYS_fadvise64, fd, off, len, advice); }

TEST(Fadvise, AcceptsEveryAdviceOnARegularFile) {
  int fd = open("/etc/passwd", O_RDONLY);
  ASSERT_GE(fd, 0);
  for (int advice = 0; advice <= 5; ++advice) EXPECT_EQ(raw_fadvise(fd, 0, 0, advice), 0) << advice;
  close(fd);
}

TEST(Fadvise, RejectsUnknownAdviceAndNegativeLength) {
  int fd = open("/etc/passwd", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(raw_fadvise(fd, 0, 0, 6), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(raw_fadvise(fd, 0, -1, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  close(fd);
}

TEST(Fadvise, PipeIsEspipeAndBadFdIsEbadf) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(raw_fadvise(p[0], 0, 0, 0), -1);
  EXPECT_EQ(errno, ESPIPE);
  close(p[0]);
  close(p[1]);
  EXPECT_EQ(raw_fadvise(p[0], 0, 0, 0), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(Readahead, RegularFileOkPipeEinval) {
  int fd = open("/etc/passwd", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(readahead(fd, 0, 4096), 0);
  close(fd);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(readahead(p[0], 0, 4096), -1);
  EXPECT_EQ(errno, EINVAL);
  close(p[0]);
  close(p[1]);
}

TEST(SocketProbe, NonSocketIsEnotsockAndBadFdIsEbadf) {
  int fd = open("/etc/passwd", O_RDONLY);
  ASSERT_GE(fd, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  EXPECT_EQ(getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  close(fd);
  EXPECT_EQ(getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
