// pipe(2), pipe2(2), pipe(7) and fifo(7): capacity and packing, PIPE_BUF
// atomicity, EAGAIN/EPIPE/EOF, F_GETPIPE_SZ/F_SETPIPE_SZ, FIONREAD, packet
// mode, fstat, and FIFO open rules. Cross-thread cases (blocking) are in
// the PipeThreads and FifoThreads suites.
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "pipe_util.h"
#include "tmpdir.h"

namespace {

constexpr size_t kPage = 4096;

// The lowest fd that open() would return now.
int LowestFreeFd() {
  int fd = dup(0);
  if (fd < 0) fd = open("/dev/null", O_RDONLY);
  close(fd);
  return fd;
}

// Writes `chunk`-byte pieces into a non-blocking pipe until EAGAIN.
size_t FillPipe(int w, size_t chunk) {
  std::vector<char> buf(chunk, 'x');
  size_t total = 0;
  for (;;) {
    ssize_t n = write(w, buf.data(), chunk);
    if (n < 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

// ---- pipe2 ---------------------------------------------------------------------

TEST(Pipe2, UnknownFlagsFailWithEINVAL) {
  int fds[2];
  EXPECT_ERRNO(EINVAL, syscall(SYS_pipe2, fds, O_APPEND));
  EXPECT_ERRNO(EINVAL, syscall(SYS_pipe2, fds, O_WRONLY));
  EXPECT_ERRNO(EINVAL, syscall(SYS_pipe2, fds, O_NOFOLLOW));
}

TEST(Pipe2, BadArrayFailsWithEFAULTAndInstallsNoFd) {
  const int before = LowestFreeFd();
  EXPECT_ERRNO(EFAULT, syscall(SYS_pipe2, conf::kOnePtr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_pipe, conf::kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_pipe2, conf::kNullPtr, O_CLOEXEC));
  EXPECT_EQ(before, LowestFreeFd());
  EXPECT_ERRNO(EBADF, fcntl(before, F_GETFD));
}

TEST(Pipe2, FlagsAppearInFGETFLAndFGETFD) {
  Pipe p(O_NONBLOCK | O_CLOEXEC);
  EXPECT_EQ(O_RDONLY | O_NONBLOCK, fcntl(p.r, F_GETFL));
  EXPECT_EQ(O_WRONLY | O_NONBLOCK, fcntl(p.w, F_GETFL));
  EXPECT_EQ(FD_CLOEXEC, fcntl(p.r, F_GETFD));
  EXPECT_EQ(FD_CLOEXEC, fcntl(p.w, F_GETFD));
  Pipe q;
  EXPECT_EQ(O_RDONLY, fcntl(q.r, F_GETFL));
  EXPECT_EQ(O_WRONLY, fcntl(q.w, F_GETFL));
  EXPECT_EQ(0, fcntl(q.r, F_GETFD));
}

TEST(Pipe2, PipeSyscallGivesTwoLowestFds) {
  const int lowest = LowestFreeFd();
  int fds[2] = {-1, -1};
  ASSERT_SYS_OK(syscall(SYS_pipe, fds));
  EXPECT_EQ(lowest, fds[0]);
  EXPECT_GT(fds[1], fds[0]);
  close(fds[0]);
  close(fds[1]);
}

// ---- data ----------------------------------------------------------------------

TEST(Pipe, WrongEndFailsWithEBADF) {
  Pipe p;
  char c = 'x';
  EXPECT_ERRNO(EBADF, write(p.r, &c, 1));
  EXPECT_ERRNO(EBADF, read(p.w, &c, 1));
}

TEST(Pipe, ReadReturnsEverythingBufferedInOrder) {
  Pipe p;
  ASSERT_EQ(3, write(p.w, "abc", 3));
  ASSERT_EQ(2, write(p.w, "de", 2));
  ASSERT_EQ(4, write(p.w, "fghi", 4));
  char buf[100] = {};
  ASSERT_EQ(9, read(p.r, buf, sizeof buf));
  EXPECT_STREQ("abcdefghi", buf);
}

TEST(Pipe, PartialReadsLeaveTheRest) {
  Pipe p;
  ASSERT_EQ(6, write(p.w, "abcdef", 6));
  char buf[8] = {};
  ASSERT_EQ(2, read(p.r, buf, 2));
  EXPECT_EQ(0, memcmp(buf, "ab", 2));
  ASSERT_EQ(4, read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, memcmp(buf, "cdef", 4));
}

TEST(Pipe, EmptyNonblockingReadFailsWithEAGAIN) {
  Pipe p(O_NONBLOCK);
  char c;
  EXPECT_ERRNO(EAGAIN, read(p.r, &c, 1));
}

TEST(Pipe, ZeroLengthReadOfEmptyPipeReturnsZero) {
  Pipe p(O_NONBLOCK);
  char c;
  EXPECT_EQ(0, read(p.r, &c, 0));
}

TEST(Pipe, ReadWithoutWritersIsEndOfFile) {
  Pipe p;
  ASSERT_EQ(3, write(p.w, "abc", 3));
  p.close_w();
  char buf[8];
  EXPECT_EQ(3, read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, read(p.r, buf, sizeof buf));
}

TEST(Pipe, WriteWithoutReadersFailsWithEPIPE) {
  struct sigaction old = {}, ign = {};
  ign.sa_handler = SIG_IGN;
  ASSERT_SYS_OK(sigaction(SIGPIPE, &ign, &old));
  {
    Pipe p;
    p.close_r();
    EXPECT_ERRNO(EPIPE, write(p.w, "x", 1));
    // A zero-length write returns before the reader count is looked at.
    EXPECT_EQ(0, write(p.w, "x", 0));
  }
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(Pipe, DefaultCapacityIs16Pages) {
  Pipe p(O_NONBLOCK);
  EXPECT_EQ(65536, fcntl(p.w, F_GETPIPE_SZ));
  EXPECT_EQ(65536, fcntl(p.r, F_GETPIPE_SZ));
  EXPECT_EQ(65536u, FillPipe(p.w, kPage));
  EXPECT_ERRNO(EAGAIN, write(p.w, "x", 1));
}

TEST(Pipe, SmallWritesPackIntoPages) {
  // 100-byte writes: 40 fit in a page, the 41st starts the next one.
  Pipe p(O_NONBLOCK);
  EXPECT_EQ(16u * 4000u, FillPipe(p.w, 100));
}

TEST(Pipe, LargeNonblockingWriteIsPartial) {
  Pipe p(O_NONBLOCK);
  std::vector<char> big(100000, 'y');
  EXPECT_EQ(65536, write(p.w, big.data(), big.size()));
  EXPECT_ERRNO(EAGAIN, write(p.w, big.data(), big.size()));
}

TEST(Pipe, WriteUpToPipeBufNeedsRoomForAllOfIt) {
  Pipe p(O_NONBLOCK);
  std::vector<char> buf(kPage, 'z');
  for (int i = 0; i < 15; ++i) ASSERT_EQ(4096, write(p.w, buf.data(), kPage));
  ASSERT_EQ(4000, write(p.w, buf.data(), 4000));  // the last slot, 96 bytes left in it
  EXPECT_ERRNO(EAGAIN, write(p.w, buf.data(), 200));
  EXPECT_ERRNO(EAGAIN, write(p.w, buf.data(), PIPE_BUF));
  EXPECT_EQ(96, write(p.w, buf.data(), 96));
  EXPECT_ERRNO(EAGAIN, write(p.w, buf.data(), 1));
}

TEST(Pipe, WriteAboveCapacityAfterReadFillsFreedSlot) {
  Pipe p(O_NONBLOCK);
  ASSERT_EQ(65536u, FillPipe(p.w, kPage));
  std::vector<char> buf(kPage);
  ASSERT_EQ(4096, read(p.r, buf.data(), kPage));
  EXPECT_EQ(4096, write(p.w, buf.data(), kPage));
}

TEST(Pipe, FIONREADCountsBufferedBytes) {
  Pipe p;
  int n = -1;
  ASSERT_SYS_OK(ioctl(p.r, FIONREAD, &n));
  EXPECT_EQ(0, n);
  ASSERT_EQ(5, write(p.w, "hello", 5));
  ASSERT_EQ(3, write(p.w, "abc", 3));
  ASSERT_SYS_OK(ioctl(p.r, FIONREAD, &n));
  EXPECT_EQ(8, n);
  ASSERT_SYS_OK(ioctl(p.w, FIONREAD, &n));
  EXPECT_EQ(8, n);
  EXPECT_ERRNO(EFAULT, ioctl(p.r, FIONREAD, conf::kOnePtr));
}

TEST(Pipe, PositionalIOAndSeekFailWithESPIPE) {
  Pipe p;
  char c = 'x';
  EXPECT_ERRNO(ESPIPE, pwrite(p.w, &c, 1, 0));
  EXPECT_ERRNO(ESPIPE, pread(p.r, &c, 1, 0));
  EXPECT_ERRNO(ESPIPE, lseek(p.r, 0, SEEK_CUR));
}

TEST(Pipe, FstatShowsAnonymousFifo) {
  Pipe p, q;
  struct stat a, b, c;
  ASSERT_SYS_OK(fstat(p.r, &a));
  ASSERT_SYS_OK(fstat(p.w, &b));
  ASSERT_SYS_OK(fstat(q.r, &c));
  EXPECT_TRUE(S_ISFIFO(a.st_mode));
  EXPECT_EQ(0600u, a.st_mode & 07777);
  EXPECT_EQ(1u, a.st_nlink);
  EXPECT_EQ(4096, a.st_blksize);
  EXPECT_EQ(0, a.st_size);
  EXPECT_EQ(geteuid(), a.st_uid);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_dev, b.st_dev);
  EXPECT_NE(a.st_ino, c.st_ino);
  EXPECT_EQ(a.st_dev, c.st_dev);
}

// ---- F_SETPIPE_SZ --------------------------------------------------------------

TEST(PipeSize, RoundsUpToPowerOfTwoPages) {
  Pipe p;
  EXPECT_EQ(4096, fcntl(p.w, F_SETPIPE_SZ, 0));
  EXPECT_EQ(4096, fcntl(p.w, F_SETPIPE_SZ, 1));
  EXPECT_EQ(8192, fcntl(p.w, F_SETPIPE_SZ, 4097));
  EXPECT_EQ(16384, fcntl(p.w, F_SETPIPE_SZ, 12288));
  EXPECT_EQ(16384, fcntl(p.r, F_GETPIPE_SZ));
  EXPECT_EQ(1 << 20, fcntl(p.r, F_SETPIPE_SZ, 1 << 20));
  EXPECT_EQ(1 << 20, fcntl(p.w, F_GETPIPE_SZ));
}

TEST(PipeSize, ArgumentIsAnUnsignedInt) {
  Pipe p;
  EXPECT_EQ(4096, syscall(SYS_fcntl, p.w, F_SETPIPE_SZ, (1UL << 32) + 4096));
  EXPECT_ERRNO(EINVAL, syscall(SYS_fcntl, p.w, F_SETPIPE_SZ, -1L));
  EXPECT_ERRNO(EINVAL, syscall(SYS_fcntl, p.w, F_SETPIPE_SZ, (1UL << 31) + 1));
}

TEST(PipeSize, ShrinkingBelowUsedBuffersFailsWithEBUSY) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "a", 1));
  std::vector<char> page(kPage, 'b');
  ASSERT_EQ(4096, write(p.w, page.data(), kPage));  // does not fit the first buffer
  ASSERT_EQ(4096, write(p.w, page.data(), kPage));
  // Three buffers in use, though fewer bytes than two pages... almost.
  EXPECT_ERRNO(EBUSY, fcntl(p.w, F_SETPIPE_SZ, 8192));
  EXPECT_EQ(16384, fcntl(p.w, F_SETPIPE_SZ, 16384));
  char buf[16384];
  EXPECT_EQ(8193, read(p.r, buf, sizeof buf));
  EXPECT_EQ(4096, fcntl(p.w, F_SETPIPE_SZ, 4096));
}

TEST(PipeSize, BiggerPipeHoldsMoreAndOneReadDrainsIt) {
  Pipe p(O_NONBLOCK);
  ASSERT_EQ(1 << 20, fcntl(p.w, F_SETPIPE_SZ, 1 << 20));
  std::vector<char> big((1 << 20) + 10, 'q');
  EXPECT_EQ(1 << 20, write(p.w, big.data(), big.size()));
  EXPECT_EQ(1 << 20, read(p.r, big.data(), big.size()));
}

TEST(PipeSize, NotAPipeFailsWithEBADF) {
  ScopedFd f(OpenFixture("hello.txt"));
  ASSERT_GE(f.get(), 0);
  EXPECT_ERRNO(EBADF, fcntl(f, F_GETPIPE_SZ));
  EXPECT_ERRNO(EBADF, fcntl(f, F_SETPIPE_SZ, 4096));
}

// ---- O_DIRECT (packet mode) -----------------------------------------------------

TEST(PipePacket, EachReadTakesOnePacket) {
  Pipe p(O_DIRECT | O_NONBLOCK);
  ASSERT_EQ(3, write(p.w, "abc", 3));
  ASSERT_EQ(4, write(p.w, "defg", 4));
  char buf[100];
  EXPECT_EQ(3, read(p.r, buf, sizeof buf));
  EXPECT_EQ(4, read(p.r, buf, sizeof buf));
  EXPECT_ERRNO(EAGAIN, read(p.r, buf, sizeof buf));
}

TEST(PipePacket, ShortReadDiscardsTheRestOfThePacket) {
  Pipe p(O_DIRECT | O_NONBLOCK);
  ASSERT_EQ(10, write(p.w, "0123456789", 10));
  ASSERT_EQ(2, write(p.w, "ab", 2));
  char buf[100] = {};
  EXPECT_EQ(4, read(p.r, buf, 4));
  EXPECT_EQ(0, memcmp(buf, "0123", 4));
  EXPECT_EQ(2, read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, memcmp(buf, "ab", 2));
}

TEST(PipePacket, LargeWritesSplitIntoPagePackets) {
  Pipe p(O_DIRECT | O_NONBLOCK);
  std::vector<char> big(kPage + 100, 'p');
  ASSERT_EQ(static_cast<ssize_t>(big.size()), write(p.w, big.data(), big.size()));
  std::vector<char> buf(3 * kPage);
  EXPECT_EQ(4096, read(p.r, buf.data(), buf.size()));
  EXPECT_EQ(100, read(p.r, buf.data(), buf.size()));
}

TEST(PipePacket, EachWriteUsesASlot) {
  Pipe p(O_DIRECT | O_NONBLOCK);
  EXPECT_EQ(16u, FillPipe(p.w, 1));
}

// ---- FIFOs ---------------------------------------------------------------------

class Fifo : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_SYS_OK(mkfifo(path_.c_str(), 0600)); }
  conf::TempDir dir_;
  std::string path_ = dir_ / "fifo";
};

TEST_F(Fifo, NonblockingWriteOpenWithoutReaderFailsWithENXIO) {
  EXPECT_ERRNO(ENXIO, open(path_.c_str(), O_WRONLY | O_NONBLOCK));
}

TEST_F(Fifo, NonblockingReadOpenSucceedsAndReadsEndOfFile) {
  ScopedFd r(open(path_.c_str(), O_RDONLY | O_NONBLOCK));
  ASSERT_GE(r.get(), 0);
  char c;
  EXPECT_EQ(0, read(r, &c, 1));
}

TEST_F(Fifo, OpenersShareOnePipe) {
  ScopedFd r(open(path_.c_str(), O_RDONLY | O_NONBLOCK));
  ASSERT_GE(r.get(), 0);
  ScopedFd w(open(path_.c_str(), O_WRONLY | O_NONBLOCK));
  ASSERT_GE(w.get(), 0);
  ASSERT_EQ(5, write(w, "hello", 5));
  char buf[8] = {};
  EXPECT_EQ(5, read(r, buf, sizeof buf));
  EXPECT_STREQ("hello", buf);
  EXPECT_ERRNO(EAGAIN, read(r, buf, sizeof buf));
  EXPECT_EQ(65536, fcntl(w, F_GETPIPE_SZ));
}

TEST_F(Fifo, ReadWriteOpenNeverBlocks) {
  ScopedFd rw(open(path_.c_str(), O_RDWR));
  ASSERT_GE(rw.get(), 0);
  ASSERT_EQ(3, write(rw, "abc", 3));
  // A blocking reader opens at once: there is a writer.
  ScopedFd r(open(path_.c_str(), O_RDONLY));
  ASSERT_GE(r.get(), 0);
  char buf[4] = {};
  EXPECT_EQ(3, read(r, buf, sizeof buf));
  EXPECT_STREQ("abc", buf);
}

TEST_F(Fifo, DataIsDiscardedWhenTheLastEndCloses) {
  {
    ScopedFd rw(open(path_.c_str(), O_RDWR));
    ASSERT_GE(rw.get(), 0);
    ASSERT_EQ(3, write(rw, "abc", 3));
  }
  ScopedFd rw(open(path_.c_str(), O_RDWR | O_NONBLOCK));
  ASSERT_GE(rw.get(), 0);
  int n = -1;
  ASSERT_SYS_OK(ioctl(rw, FIONREAD, &n));
  EXPECT_EQ(0, n);
}

TEST_F(Fifo, FstatIsTheFilesystemInode) {
  ScopedFd rw(open(path_.c_str(), O_RDWR));
  ASSERT_GE(rw.get(), 0);
  struct stat a, b;
  ASSERT_SYS_OK(fstat(rw, &a));
  ASSERT_SYS_OK(stat(path_.c_str(), &b));
  EXPECT_TRUE(S_ISFIFO(a.st_mode));
  EXPECT_EQ(b.st_ino, a.st_ino);
  EXPECT_EQ(b.st_dev, a.st_dev);
  EXPECT_EQ(0600u, a.st_mode & 07777);
}

TEST_F(Fifo, AccessModeThreeFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, open(path_.c_str(), 3 | O_NONBLOCK));
}

TEST_F(Fifo, ReaderHearsPOLLHUPOnlyAfterAWriterLeft) {
  ScopedFd r(open(path_.c_str(), O_RDONLY | O_NONBLOCK));
  ASSERT_GE(r.get(), 0);
  struct pollfd pfd = {r.get(), POLLIN, 0};
  EXPECT_EQ(0, poll(&pfd, 1, 0));
  EXPECT_EQ(0, pfd.revents);
  {
    ScopedFd w(open(path_.c_str(), O_WRONLY | O_NONBLOCK));
    ASSERT_GE(w.get(), 0);
    EXPECT_EQ(0, poll(&pfd, 1, 0));
  }
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLHUP, pfd.revents);
}

TEST_F(Fifo, OPathOpenDoesNotCountAsReader) {
  ScopedFd p(open(path_.c_str(), O_PATH));
  ASSERT_GE(p.get(), 0);
  EXPECT_ERRNO(ENXIO, open(path_.c_str(), O_WRONLY | O_NONBLOCK));
}

// ---- blocking, across threads -----------------------------------------------------

TEST(PipeThreads, BlockedReaderWakesOnWrite) {
  Pipe p;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!write(p.w, "wake", 4);
  });
  char buf[8] = {};
  EXPECT_EQ(4, read(p.r, buf, sizeof buf));
  EXPECT_STREQ("wake", buf);
  t.join();
}

TEST(PipeThreads, BlockedReaderSeesEndOfFileWhenWriterCloses) {
  Pipe p;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.close_w();
  });
  char c;
  EXPECT_EQ(0, read(p.r, &c, 1));
  t.join();
}

TEST(PipeThreads, BlockingWriteLargerThanCapacityWritesEverything) {
  Pipe p;
  constexpr size_t kTotal = 300000;
  size_t got = 0;
  std::thread t([&] {
    std::vector<char> buf(10000);
    for (;;) {
      ssize_t n = read(p.r, buf.data(), buf.size());
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  });
  std::vector<char> big(kTotal, 'w');
  EXPECT_EQ(static_cast<ssize_t>(kTotal), write(p.w, big.data(), big.size()));
  p.close_w();
  t.join();
  EXPECT_EQ(kTotal, got);
}

TEST(PipeThreads, AtomicWritesAreNeverInterleaved) {
  Pipe p;
  constexpr int kWrites = 200;
  auto writer = [&](char c) {
    std::vector<char> buf(PIPE_BUF, c);
    for (int i = 0; i < kWrites; ++i) (void)!write(p.w, buf.data(), buf.size());
  };
  std::thread a(writer, 'a'), b(writer, 'b');
  std::vector<char> all;
  std::vector<char> buf(PIPE_BUF);
  while (all.size() < 2u * kWrites * PIPE_BUF) {
    ssize_t n = read(p.r, buf.data(), buf.size());
    if (n <= 0) break;
    all.insert(all.end(), buf.begin(), buf.begin() + n);
  }
  a.join();
  b.join();
  ASSERT_EQ(2u * kWrites * PIPE_BUF, all.size());
  for (size_t i = 0; i < all.size(); i += PIPE_BUF)
    for (size_t j = 1; j < PIPE_BUF; ++j) ASSERT_EQ(all[i], all[i + j]) << "at " << i + j;
}

TEST(FifoThreads, ReadOpenWaitsForAWriter) {
  conf::TempDir dir;
  const std::string path = dir / "fifo";
  ASSERT_SYS_OK(mkfifo(path.c_str(), 0600));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int w = open(path.c_str(), O_WRONLY);
    (void)!write(w, "x", 1);
    close(w);
  });
  const auto start = std::chrono::steady_clock::now();
  ScopedFd r(open(path.c_str(), O_RDONLY));
  EXPECT_GE(r.get(), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(40));
  t.join();
  char c = 0;
  EXPECT_EQ(1, read(r, &c, 1));
  EXPECT_EQ('x', c);
}

TEST(FifoThreads, WriteOpenWaitsForAReader) {
  conf::TempDir dir;
  const std::string path = dir / "fifo";
  ASSERT_SYS_OK(mkfifo(path.c_str(), 0600));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    int r = open(path.c_str(), O_RDONLY);
    char c;
    (void)!read(r, &c, 1);
    close(r);
  });
  ScopedFd w(open(path.c_str(), O_WRONLY));
  EXPECT_GE(w.get(), 0);
  EXPECT_EQ(1, write(w, "y", 1));
  t.join();
}

}  // namespace
