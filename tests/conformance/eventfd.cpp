// eventfd(2)/eventfd2: the counter, semaphore mode, flags, readiness and
// blocking, checked against the host kernel.
#include <poll.h>
#include <sys/eventfd.h>

#include <climits>
#include <thread>

#include "common.h"
#include "proc_util.h"

namespace {

uint64_t ReadCount(int fd) {
  uint64_t v = 0;
  EXPECT_EQ(read(fd, &v, sizeof v), 8);
  return v;
}

void WriteCount(int fd, uint64_t v) { EXPECT_EQ(write(fd, &v, sizeof v), 8); }

short Revents(int fd, short events = POLLIN | POLLOUT) {
  pollfd p{fd, events, 0};
  const int n = poll(&p, 1, 0);
  EXPECT_EQ(n, p.revents ? 1 : 0);
  return p.revents;
}

TEST(Eventfd, UnknownFlagsFailWithEINVAL) {
  EXPECT_ERRNO(EINVAL, syscall(SYS_eventfd2, 0, 0x10));
  EXPECT_ERRNO(EINVAL, syscall(SYS_eventfd2, 0, O_RDWR));
}

TEST(Eventfd, InitialValueIsReadAndTheCounterResets) {
  ScopedFd fd(static_cast<int>(syscall(SYS_eventfd2, 7, EFD_NONBLOCK)));
  ASSERT_GE(fd.get(), 0);
  EXPECT_EQ(ReadCount(fd), 7u);
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
}

TEST(Eventfd, OldEventfdSyscallTakesNoFlags) {
  ScopedFd fd(static_cast<int>(syscall(SYS_eventfd, 3)));
  ASSERT_GE(fd.get(), 0);
  EXPECT_EQ(fcntl(fd, F_GETFD), 0);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
  EXPECT_EQ(ReadCount(fd), 3u);
}

TEST(Eventfd, WritesAddUp) {
  ScopedFd fd(eventfd(0, EFD_NONBLOCK));
  WriteCount(fd, 2);
  WriteCount(fd, 40);
  EXPECT_EQ(ReadCount(fd), 42u);
}

TEST(Eventfd, SemaphoreReadsOneAtATime) {
  ScopedFd fd(eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK));
  EXPECT_EQ(ReadCount(fd), 1u);
  EXPECT_EQ(ReadCount(fd), 1u);
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
}

TEST(Eventfd, BuffersShorterThanEightBytesFailWithEINVAL) {
  ScopedFd fd(eventfd(1, EFD_NONBLOCK));
  uint32_t small = 1;
  EXPECT_ERRNO(EINVAL, read(fd, &small, sizeof small));
  EXPECT_ERRNO(EINVAL, write(fd, &small, sizeof small));
  // A longer buffer is fine; eight bytes move.
  uint64_t big[2] = {0, 0};
  EXPECT_EQ(read(fd, big, sizeof big), 8);
  EXPECT_EQ(big[0], 1u);
}

TEST(Eventfd, WritingAllOnesFailsWithEINVAL) {
  ScopedFd fd(eventfd(0, EFD_NONBLOCK));
  uint64_t v = UINT64_MAX;
  EXPECT_ERRNO(EINVAL, write(fd, &v, sizeof v));
}

TEST(Eventfd, OverflowWouldBlockAndWritableClears) {
  ScopedFd fd(eventfd(0, EFD_NONBLOCK));
  WriteCount(fd, UINT64_MAX - 2);
  EXPECT_EQ(Revents(fd), POLLIN | POLLOUT);
  WriteCount(fd, 1);  // the counter's maximum, 0xfffffffffffffffe
  EXPECT_EQ(Revents(fd), POLLIN);
  uint64_t one = 1;
  EXPECT_ERRNO(EAGAIN, write(fd, &one, sizeof one));
  EXPECT_EQ(ReadCount(fd), UINT64_MAX - 1);
  EXPECT_EQ(Revents(fd), POLLOUT);
}

TEST(Eventfd, PollReportsOnlyInAndOut) {
  ScopedFd fd(eventfd(1, 0));
  EXPECT_EQ(Revents(fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM), POLLIN | POLLOUT);
}

TEST(Eventfd, CloexecAndNonblockFlags) {
  ScopedFd fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
}

TEST(Eventfd, BadBufferFailsWithEFAULT) {
  ScopedFd fd(eventfd(1, EFD_NONBLOCK));
  EXPECT_ERRNO(EFAULT, write(fd, conf::kNullPtr, 8));
  EXPECT_ERRNO(EFAULT, read(fd, conf::kKernelPtr, 8));
}

TEST(EventfdThreads, BlockingReadWakesOnWrite) {
  ScopedFd fd(eventfd(0, 0));
  std::thread writer([&] {
    conf::SleepMs(50);
    WriteCount(fd, 5);
  });
  EXPECT_EQ(ReadCount(fd), 5u);
  writer.join();
}

TEST(EventfdThreads, BlockingWriteWaitsForRoom) {
  ScopedFd fd(eventfd(0, 0));
  WriteCount(fd, UINT64_MAX - 1);
  std::thread reader([&] {
    conf::SleepMs(50);
    EXPECT_EQ(ReadCount(fd), UINT64_MAX - 1);
  });
  WriteCount(fd, 9);  // blocks until the reader drained the counter
  reader.join();
  EXPECT_EQ(ReadCount(fd), 9u);
}

// The counter (1) is below the limit, so poll says writable, but adding
// UINT64_MAX - 1 would overflow: the write sleeps until a read makes room
// (found by trinity: lx spun holding its lock, so the reader never ran).
TEST(EventfdThreads, BlockingWriteTooLargeForTheRoomLeftWaitsForARead) {
  ScopedFd fd(eventfd(1, 0));
  EXPECT_EQ(Revents(fd, POLLOUT), POLLOUT);
  std::thread reader([&] {
    conf::SleepMs(50);
    EXPECT_EQ(ReadCount(fd), 1u);
  });
  WriteCount(fd, UINT64_MAX - 1);  // blocks until the reader drained the counter
  reader.join();
  EXPECT_EQ(ReadCount(fd), UINT64_MAX - 1);
}

TEST(EventfdProcesses, ForkSharesTheCounter) {
  ScopedFd fd(eventfd(0, 0));
  pid_t child = conf::ForkChild([&] {
    uint64_t v = 11;
    return write(fd, &v, sizeof v) == 8 ? 0 : 1;
  });
  EXPECT_EQ(ReadCount(fd), 11u);
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
