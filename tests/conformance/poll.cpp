// poll(2), ppoll(2), select(2), pselect6(2): readiness of pipes, regular
// files and bad fds, timeouts (and their write-back), argument checks, the
// temporary signal mask. Cross-thread wake-ups are in PollThreads.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <chrono>
#include <thread>
#include <vector>

#include "common.h"
#include "pipe_util.h"

namespace {

using Clock = std::chrono::steady_clock;

// An fd number that is certainly not open.
int ClosedFd() {
  int fd = open("/dev/null", O_RDONLY);
  close(fd);
  return fd;
}

long RawPpoll(struct pollfd* fds, unsigned long n, struct timespec* ts, const sigset_t* mask, size_t size) {
  return syscall(SYS_ppoll, fds, n, ts, mask, size);
}

// ---- poll ---------------------------------------------------------------------

TEST(Poll, EmptyPipeIsNotReadable) {
  Pipe p;
  struct pollfd pfd = {p.r, POLLIN, 0x7f};
  EXPECT_EQ(0, poll(&pfd, 1, 0));
  EXPECT_EQ(0, pfd.revents);
}

TEST(Poll, PipeWithDataIsReadable) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct pollfd pfd = {p.r, POLLIN | POLLRDNORM | POLLOUT, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLIN | POLLRDNORM, pfd.revents);
}

TEST(Poll, WriteEndIsWritableUntilFull) {
  Pipe p(O_NONBLOCK);
  struct pollfd pfd = {p.w, POLLOUT | POLLWRNORM | POLLIN, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLOUT | POLLWRNORM, pfd.revents);
  std::vector<char> page(4096, 'f');
  while (write(p.w, page.data(), page.size()) > 0) {
  }
  EXPECT_EQ(0, poll(&pfd, 1, 0));
  char buf[10];
  ASSERT_EQ(10, read(p.r, buf, sizeof buf));
  EXPECT_EQ(0, poll(&pfd, 1, 0));  // the first slot is still in use
  std::vector<char> rest(4096);
  ASSERT_EQ(4086, read(p.r, rest.data(), 4086));
  EXPECT_EQ(1, poll(&pfd, 1, 0));
}

TEST(Poll, ReaderHearsPOLLHUPWhenWritersAreGone) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  p.close_w();
  struct pollfd pfd = {p.r, POLLIN, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLIN | POLLHUP, pfd.revents);
  // POLLHUP is reported even when not asked for.
  pfd.events = 0;
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLHUP, pfd.revents);
}

TEST(Poll, WriterHearsPOLLERRWhenReadersAreGone) {
  Pipe p;
  p.close_r();
  struct pollfd pfd = {p.w, POLLOUT, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLOUT | POLLERR, pfd.revents);
  pfd.events = 0;
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLERR, pfd.revents);
}

TEST(Poll, ClosedFdIsPOLLNVALAndCounts) {
  struct pollfd pfd = {ClosedFd(), POLLIN, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLNVAL, pfd.revents);
}

TEST(Poll, NegativeFdIsIgnoredAndItsReventsCleared) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct pollfd pfds[3] = {{-1, POLLIN, 0x55}, {p.r, POLLIN, 0x55}, {-42, POLLOUT, 0x55}};
  EXPECT_EQ(1, poll(pfds, 3, 0));
  EXPECT_EQ(0, pfds[0].revents);
  EXPECT_EQ(POLLIN, pfds[1].revents);
  EXPECT_EQ(0, pfds[2].revents);
}

TEST(Poll, RegularFileIsAlwaysReady) {
  ScopedFd f(OpenFixture("hello.txt"));
  ASSERT_GE(f.get(), 0);
  struct pollfd pfd = {f.get(), POLLIN | POLLOUT | POLLPRI, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
}

TEST(Poll, SameFdTwiceCountsTwice) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct pollfd pfds[2] = {{p.r, POLLIN, 0}, {p.r, POLLIN, 0}};
  EXPECT_EQ(2, poll(pfds, 2, 0));
}

TEST(Poll, NfdsAboveRlimitNofileFailsWithEINVAL) {
  struct rlimit rl;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &rl));
  EXPECT_ERRNO(EINVAL, syscall(SYS_poll, conf::kNullPtr, rl.rlim_cur + 1, 0));
  // At the limit the array is read (and faults).
  EXPECT_ERRNO(EFAULT, syscall(SYS_poll, conf::kNullPtr, rl.rlim_cur, 0));
}

TEST(Poll, UnreadableArrayFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_poll, conf::kOnePtr, 1, 0));
  EXPECT_EQ(0, syscall(SYS_poll, conf::kNullPtr, 0, 0));
}

TEST(Poll, TimeoutExpires) {
  Pipe p;
  struct pollfd pfd = {p.r, POLLIN, 0};
  const auto start = Clock::now();
  EXPECT_EQ(0, poll(&pfd, 1, 30));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30));
  EXPECT_EQ(0, pfd.revents);
}

TEST(Poll, NoFdsJustSleeps) {
  const auto start = Clock::now();
  EXPECT_EQ(0, poll(nullptr, 0, 20));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(20));
}

// ---- ppoll --------------------------------------------------------------------

TEST(Ppoll, InvalidTimespecFailsWithEINVAL) {
  Pipe p;
  struct pollfd pfd = {p.r, POLLIN, 0};
  struct timespec ts = {0, 1000000000};
  EXPECT_ERRNO(EINVAL, RawPpoll(&pfd, 1, &ts, nullptr, 8));
  ts = {-1, 0};
  EXPECT_ERRNO(EINVAL, RawPpoll(&pfd, 1, &ts, nullptr, 8));
  ts = {0, -1};
  EXPECT_ERRNO(EINVAL, RawPpoll(&pfd, 1, &ts, nullptr, 8));
  EXPECT_ERRNO(EFAULT, RawPpoll(&pfd, 1, static_cast<struct timespec*>(conf::kOnePtr), nullptr, 8));
}

TEST(Ppoll, SigmaskSizeMustBeEight) {
  Pipe p;
  struct pollfd pfd = {p.r, POLLIN, 0};
  struct timespec ts = {0, 0};
  sigset_t set;
  sigemptyset(&set);
  EXPECT_ERRNO(EINVAL, RawPpoll(&pfd, 1, &ts, &set, 4));
  EXPECT_ERRNO(EINVAL, RawPpoll(&pfd, 1, &ts, &set, 128));
  EXPECT_ERRNO(EFAULT, RawPpoll(&pfd, 1, &ts, static_cast<sigset_t*>(conf::kOnePtr), 8));
  EXPECT_EQ(0, RawPpoll(&pfd, 1, &ts, &set, 8));
  // Without a mask the size is not looked at.
  EXPECT_EQ(0, RawPpoll(&pfd, 1, &ts, nullptr, 3));
}

TEST(Ppoll, RemainingTimeIsWrittenBack) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct pollfd pfd = {p.r, POLLIN, 0};
  struct timespec ts = {5, 0};
  EXPECT_EQ(1, RawPpoll(&pfd, 1, &ts, nullptr, 8));
  EXPECT_EQ(4, ts.tv_sec);
  EXPECT_GT(ts.tv_nsec, 0);
  Pipe q;
  struct pollfd empty = {q.r, POLLIN, 0};
  ts = {0, 20000000};
  EXPECT_EQ(0, RawPpoll(&empty, 1, &ts, nullptr, 8));
  EXPECT_EQ(0, ts.tv_sec);
  EXPECT_EQ(0, ts.tv_nsec);
}

TEST(Ppoll, OldSigmaskIsBackAfterTheCall) {
  sigset_t block, old, now, during;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_SYS_OK(sigprocmask(SIG_BLOCK, &block, &old));
  sigemptyset(&during);
  sigaddset(&during, SIGUSR2);
  struct timespec ts = {0, 0};
  EXPECT_EQ(0, RawPpoll(nullptr, 0, &ts, &during, 8));
  ASSERT_SYS_OK(sigprocmask(SIG_BLOCK, nullptr, &now));
  EXPECT_TRUE(sigismember(&now, SIGUSR1));
  EXPECT_FALSE(sigismember(&now, SIGUSR2));
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

// ---- select -------------------------------------------------------------------

TEST(Select, NegativeNfdsFailsWithEINVAL) {
  struct timeval tv = {0, 0};
  EXPECT_ERRNO(EINVAL, syscall(SYS_select, -1, nullptr, nullptr, nullptr, &tv));
}

TEST(Select, ClosedFdInAnySetFailsWithEBADF) {
  const int bad = ClosedFd();
  fd_set set;
  FD_ZERO(&set);
  FD_SET(bad, &set);
  struct timeval tv = {0, 0};
  EXPECT_ERRNO(EBADF, syscall(SYS_select, bad + 1, &set, nullptr, nullptr, &tv));
  EXPECT_ERRNO(EBADF, syscall(SYS_select, bad + 1, nullptr, &set, nullptr, &tv));
  EXPECT_ERRNO(EBADF, syscall(SYS_select, bad + 1, nullptr, nullptr, &set, &tv));
  // A bit at or above nfds is not looked at.
  EXPECT_EQ(0, syscall(SYS_select, bad, &set, nullptr, nullptr, &tv));
}

TEST(Select, ReportsReadyFdsPerSetAndClearsTheRest) {
  Pipe p, q;
  ASSERT_EQ(1, write(p.w, "x", 1));
  fd_set rd, wr, ex;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_ZERO(&ex);
  FD_SET(p.r, &rd);
  FD_SET(q.r, &rd);
  FD_SET(p.w, &wr);
  FD_SET(p.r, &ex);
  const int n = std::max({p.r, p.w, q.r, q.w}) + 1;
  struct timeval tv = {0, 0};
  EXPECT_EQ(2, syscall(SYS_select, n, &rd, &wr, &ex, &tv));
  EXPECT_TRUE(FD_ISSET(p.r, &rd));
  EXPECT_FALSE(FD_ISSET(q.r, &rd));
  EXPECT_TRUE(FD_ISSET(p.w, &wr));
  EXPECT_FALSE(FD_ISSET(p.r, &ex));
}

TEST(Select, HangupCountsAsReadable) {
  Pipe p;
  p.close_w();
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.r, &rd);
  struct timeval tv = {0, 0};
  EXPECT_EQ(1, syscall(SYS_select, p.r + 1, &rd, nullptr, nullptr, &tv));
  EXPECT_TRUE(FD_ISSET(p.r, &rd));
}

TEST(Select, InvalidTimevalFailsWithEINVAL) {
  struct timeval tv = {0, -1};
  EXPECT_ERRNO(EINVAL, syscall(SYS_select, 0, nullptr, nullptr, nullptr, &tv));
  tv = {-1, 0};
  EXPECT_ERRNO(EINVAL, syscall(SYS_select, 0, nullptr, nullptr, nullptr, &tv));
  EXPECT_ERRNO(EFAULT, syscall(SYS_select, 0, nullptr, nullptr, nullptr, conf::kOnePtr));
}

TEST(Select, MicrosecondsCarryIntoSeconds) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.r, &rd);
  struct timeval tv = {0, 2500000};
  EXPECT_EQ(1, syscall(SYS_select, p.r + 1, &rd, nullptr, nullptr, &tv));
  EXPECT_EQ(2, tv.tv_sec);
  EXPECT_GT(tv.tv_usec, 400000);
}

TEST(Select, TimeoutExpiresAndIsWrittenBackAsZero) {
  Pipe p;
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.r, &rd);
  struct timeval tv = {0, 30000};
  const auto start = Clock::now();
  EXPECT_EQ(0, syscall(SYS_select, p.r + 1, &rd, nullptr, nullptr, &tv));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30));
  EXPECT_FALSE(FD_ISSET(p.r, &rd));
  EXPECT_EQ(0, tv.tv_sec);
  EXPECT_EQ(0, tv.tv_usec);
}

TEST(Select, UnreadableSetFailsWithEFAULT) {
  struct timeval tv = {0, 0};
  EXPECT_ERRNO(EFAULT, syscall(SYS_select, 1, conf::kOnePtr, nullptr, nullptr, &tv));
  EXPECT_ERRNO(EFAULT, syscall(SYS_select, 1, nullptr, conf::kOnePtr, nullptr, &tv));
}

TEST(Select, SetsAreReadOnlyUpToNfds) {
  // A set that ends right at a guard page is fine when nfds covers only
  // the bytes before it.
  conf::GuardedPage page;
  auto* set = reinterpret_cast<fd_set*>(page.End() - 8);
  memset(set, 0, 8);
  struct timeval tv = {0, 0};
  EXPECT_EQ(0, syscall(SYS_select, 64, set, nullptr, nullptr, &tv));
}

// O_PATH files have no poll method: select takes the default mask (ready),
// poll(2) does not find the file at all.
TEST(Select, OPathFdIsReadyForSelectButPOLLNVALForPoll) {
  ScopedFd f(open(conf::Fixture("hello.txt").c_str(), O_PATH));
  ASSERT_GE(f.get(), 0);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(f.get(), &rd);
  struct timeval tv = {0, 0};
  EXPECT_EQ(1, syscall(SYS_select, f.get() + 1, &rd, nullptr, nullptr, &tv));
  struct pollfd pfd = {f.get(), POLLIN, 0};
  EXPECT_EQ(1, poll(&pfd, 1, 0));
  EXPECT_EQ(POLLNVAL, pfd.revents);
}

// ---- pselect6 -----------------------------------------------------------------

struct SigsetArg {
  const sigset_t* ss;
  size_t len;
};

TEST(Pselect6, SigsetArgumentChecks) {
  struct timespec ts = {0, 0};
  sigset_t set;
  sigemptyset(&set);
  SigsetArg arg = {&set, 4};
  EXPECT_ERRNO(EINVAL, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, &arg));
  arg = {static_cast<const sigset_t*>(conf::kOnePtr), 8};
  EXPECT_ERRNO(EFAULT, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, &arg));
  EXPECT_ERRNO(EFAULT, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, conf::kOnePtr));
  arg = {nullptr, 4};  // no mask: the size is not checked
  EXPECT_EQ(0, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, &arg));
  arg = {&set, 8};
  EXPECT_EQ(0, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, &arg));
}

TEST(Pselect6, InvalidTimespecFailsWithEINVAL) {
  struct timespec ts = {0, 1000000000};
  EXPECT_ERRNO(EINVAL, syscall(SYS_pselect6, 0, nullptr, nullptr, nullptr, &ts, nullptr));
}

TEST(Pselect6, RemainingTimeIsWrittenBack) {
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.r, &rd);
  struct timespec ts = {3, 0};
  EXPECT_EQ(1, syscall(SYS_pselect6, p.r + 1, &rd, nullptr, nullptr, &ts, nullptr));
  EXPECT_EQ(2, ts.tv_sec);
  EXPECT_GT(ts.tv_nsec, 0);
}

// ---- across threads -------------------------------------------------------------

TEST(PollThreads, WriteWakesPoller) {
  Pipe p;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!write(p.w, "x", 1);
  });
  Pipe other;
  struct pollfd pfds[2] = {{other.r, POLLIN, 0}, {p.r, POLLIN, 0}};
  EXPECT_EQ(1, poll(pfds, 2, 5000));
  EXPECT_EQ(POLLIN, pfds[1].revents);
  t.join();
}

TEST(PollThreads, CloseOfLastWriterWakesSelect) {
  Pipe p;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p.close_w();
  });
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p.r, &rd);
  EXPECT_EQ(1, select(p.r + 1, &rd, nullptr, nullptr, nullptr));
  t.join();
}

// ---- epoll --------------------------------------------------------------------

TEST(Epoll, CreateChecksItsArgument) {
  EXPECT_ERRNO(EINVAL, syscall(SYS_epoll_create, 0));
  EXPECT_ERRNO(EINVAL, epoll_create1(O_NONBLOCK));
  ScopedFd ep(epoll_create1(EPOLL_CLOEXEC));
  ASSERT_GE(ep.get(), 0);
  EXPECT_EQ(FD_CLOEXEC, fcntl(ep, F_GETFD));
}

TEST(Epoll, CtlErrorsComeInLinuxOrder) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {EPOLLIN, {.u64 = 7}};
  EXPECT_ERRNO(EFAULT, epoll_ctl(ep, EPOLL_CTL_ADD, p.r, static_cast<struct epoll_event*>(conf::kOnePtr)));
  EXPECT_ERRNO(EBADF, epoll_ctl(ClosedFd(), EPOLL_CTL_ADD, p.r, &ev));
  EXPECT_ERRNO(EBADF, epoll_ctl(ep, EPOLL_CTL_ADD, ClosedFd(), &ev));
  EXPECT_ERRNO(EINVAL, epoll_ctl(p.w, EPOLL_CTL_ADD, p.r, &ev));
  EXPECT_ERRNO(EINVAL, epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
  ScopedFd f(OpenFixture("hello.txt"));
  EXPECT_ERRNO(EPERM, epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev));
  EXPECT_ERRNO(ENOENT, epoll_ctl(ep, EPOLL_CTL_MOD, p.r, &ev));
  EXPECT_ERRNO(ENOENT, epoll_ctl(ep, EPOLL_CTL_DEL, p.r, nullptr));
  EXPECT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  EXPECT_ERRNO(EEXIST, epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  EXPECT_ERRNO(EINVAL, epoll_ctl(ep, 99, p.r, &ev));
  EXPECT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p.r, nullptr));
}

TEST(Epoll, LevelTriggeredReportsUntilDrained) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {EPOLLIN, {.u64 = 0x1122334455667788}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  struct epoll_event out[4];
  EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
  ASSERT_EQ(1, write(p.w, "x", 1));
  ASSERT_EQ(1, epoll_wait(ep, out, 4, 0));
  EXPECT_EQ(static_cast<uint32_t>(EPOLLIN), out[0].events);
  EXPECT_EQ(0x1122334455667788u, out[0].data.u64);
  EXPECT_EQ(1, epoll_wait(ep, out, 4, 0));
  char c;
  ASSERT_EQ(1, read(p.r, &c, 1));
  EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
}

TEST(Epoll, OneshotFiresOnceUntilRearmed) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct epoll_event ev = {EPOLLIN | EPOLLONESHOT, {.u64 = 1}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  struct epoll_event out[4];
  EXPECT_EQ(1, epoll_wait(ep, out, 4, 0));
  EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_MOD, p.r, &ev));
  EXPECT_EQ(1, epoll_wait(ep, out, 4, 0));
}

TEST(Epoll, EdgeTriggeredReportsOncePerChange) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {EPOLLIN | EPOLLET, {.u64 = 1}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  ASSERT_EQ(1, write(p.w, "x", 1));
  struct epoll_event out[4];
  EXPECT_EQ(1, epoll_wait(ep, out, 4, 0));
  EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
}

TEST(Epoll, HangupAndErrorAreAlwaysReported) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {0, {.u64 = 5}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  p.close_w();
  struct epoll_event out[2];
  ASSERT_EQ(1, epoll_wait(ep, out, 2, 0));
  EXPECT_EQ(static_cast<uint32_t>(EPOLLHUP), out[0].events);
}

TEST(Epoll, ClosedFileLeavesTheSet) {
  ScopedFd ep(epoll_create1(0));
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  ASSERT_EQ(1, write(fds[1], "x", 1));
  struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
  close(fds[0]);
  close(fds[1]);
  struct epoll_event out[2];
  EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
}

TEST(Epoll, WaitChecksItsArguments) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event out[2];
  EXPECT_ERRNO(EINVAL, epoll_wait(ep, out, 0, 0));
  EXPECT_ERRNO(EINVAL, epoll_wait(ep, out, conf::Opaque(-1), 0));
  EXPECT_ERRNO(EINVAL, epoll_wait(p.r, out, 2, 0));
  EXPECT_ERRNO(EBADF, epoll_wait(ClosedFd(), out, 2, 0));
  EXPECT_ERRNO(EFAULT, epoll_wait(ep, static_cast<struct epoll_event*>(conf::kKernelPtr), 2, 0));
  sigset_t set;
  sigemptyset(&set);
  EXPECT_ERRNO(EINVAL, syscall(SYS_epoll_pwait, ep.get(), out, 2, 0, &set, 4));
  EXPECT_EQ(0, syscall(SYS_epoll_pwait, ep.get(), out, 2, 0, &set, 8));
}

TEST(Epoll, TimeoutExpires) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  struct epoll_event out[2];
  const auto start = Clock::now();
  EXPECT_EQ(0, epoll_wait(ep, out, 2, 30));
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30));
}

TEST(PollThreads, WriteWakesEpollWait) {
  ScopedFd ep(epoll_create1(0));
  Pipe p;
  struct epoll_event ev = {EPOLLIN, {.u64 = 9}};
  ASSERT_SYS_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p.r, &ev));
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)!write(p.w, "x", 1);
  });
  struct epoll_event out[2];
  EXPECT_EQ(1, epoll_wait(ep, out, 2, 5000));
  EXPECT_EQ(9u, out[0].data.u64);
  t.join();
}

}  // namespace
