// timerfd_create/settime/gettime: clocks, flags, expiration counts, absolute
// times, readiness and sharing across fork. Timing checks only bound counts
// from below or use generous waits: the VM may be loaded.
#include <poll.h>
#include <sys/timerfd.h>

#include <ctime>

#include "common.h"
#include "proc_util.h"

namespace {

constexpr long kMs = 1000000;

itimerspec Spec(long value_ns, long interval_ns = 0) {
  itimerspec s{};
  s.it_value = {value_ns / 1000000000, value_ns % 1000000000};
  s.it_interval = {interval_ns / 1000000000, interval_ns % 1000000000};
  return s;
}

uint64_t ReadTicks(int fd) {
  uint64_t v = 0;
  EXPECT_EQ(read(fd, &v, sizeof v), 8);
  return v;
}

TEST(Timerfd, CreateRejectsUnknownClocksAndFlags) {
  EXPECT_ERRNO(EINVAL, timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  EXPECT_ERRNO(EINVAL, timerfd_create(CLOCK_MONOTONIC_RAW, 0));
  EXPECT_ERRNO(EINVAL, timerfd_create(-1, 0));
  EXPECT_ERRNO(EINVAL, timerfd_create(CLOCK_MONOTONIC, 0x10));
}

TEST(Timerfd, SupportedClocksCreate) {
  for (clockid_t c : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME}) {
    ScopedFd fd(timerfd_create(c, 0));
    EXPECT_GE(fd.get(), 0) << c;
  }
}

TEST(Timerfd, CreateFlags) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
}

TEST(Timerfd, SettimeErrors) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(kMs);
  EXPECT_ERRNO(EINVAL, timerfd_settime(fd, 0x4, &s, nullptr));
  itimerspec bad = Spec(0);
  bad.it_value.tv_nsec = 1000000000;
  EXPECT_ERRNO(EINVAL, timerfd_settime(fd, 0, &bad, nullptr));
  bad = Spec(kMs);
  bad.it_interval.tv_sec = -1;
  EXPECT_ERRNO(EINVAL, timerfd_settime(fd, 0, &bad, nullptr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_timerfd_settime, fd.get(), 0, conf::kNullPtr, nullptr));
  EXPECT_ERRNO(EBADF, timerfd_settime(-1, 0, &s, nullptr));
  ScopedFd other(open("/dev/null", O_RDONLY));
  EXPECT_ERRNO(EINVAL, timerfd_settime(other, 0, &s, nullptr));
}

TEST(Timerfd, GettimeErrors) {
  itimerspec s;
  EXPECT_ERRNO(EBADF, timerfd_gettime(-1, &s));
  ScopedFd other(open("/dev/null", O_RDONLY));
  EXPECT_ERRNO(EINVAL, timerfd_gettime(other, &s));
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_timerfd_gettime, fd.get(), conf::kNullPtr));
}

TEST(Timerfd, DisarmedTimerReadsZeroAndWouldBlock) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  itimerspec s;
  ASSERT_SYS_OK(timerfd_gettime(fd, &s));
  EXPECT_EQ(s.it_value.tv_sec, 0);
  EXPECT_EQ(s.it_value.tv_nsec, 0);
  EXPECT_EQ(s.it_interval.tv_sec, 0);
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
}

TEST(Timerfd, ShortReadFailsWithEINVAL) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  uint32_t v;
  EXPECT_ERRNO(EINVAL, read(fd, &v, sizeof v));
}

TEST(Timerfd, GettimeShowsRemainingAndInterval) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(100L * 1000 * kMs, 3L * 1000 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  itimerspec got;
  ASSERT_SYS_OK(timerfd_gettime(fd, &got));
  EXPECT_LE(got.it_value.tv_sec, 100);
  EXPECT_GE(got.it_value.tv_sec, 90);
  EXPECT_EQ(got.it_interval.tv_sec, 3);
  EXPECT_EQ(got.it_interval.tv_nsec, 0);
}

TEST(Timerfd, SettimeReturnsTheOldSetting) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(50L * 1000 * kMs, 7L * 1000 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  itimerspec zero = Spec(0), old;
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &zero, &old));
  EXPECT_GE(old.it_value.tv_sec, 40);
  EXPECT_EQ(old.it_interval.tv_sec, 7);
  ASSERT_SYS_OK(timerfd_gettime(fd, &old));
  EXPECT_EQ(old.it_value.tv_sec, 0);
  EXPECT_EQ(old.it_value.tv_nsec, 0);
  EXPECT_EQ(old.it_interval.tv_sec, 0);  // disarming clears the interval too
}

TEST(Timerfd, OneShotBlockingReadReturnsOne) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(20 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  EXPECT_EQ(ReadTicks(fd), 1u);
  itimerspec got;
  ASSERT_SYS_OK(timerfd_gettime(fd, &got));
  EXPECT_EQ(got.it_value.tv_sec, 0);
  EXPECT_EQ(got.it_value.tv_nsec, 0);
}

TEST(Timerfd, PeriodicTimerCountsEveryExpiration) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(5 * kMs, 5 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  conf::SleepMs(100);
  EXPECT_GE(ReadTicks(fd), 10u);
  // Still armed: the next read blocks for the next period only.
  EXPECT_GE(ReadTicks(fd), 1u);
}

TEST(Timerfd, AbsoluteTimeInThePastFiresAtOnce) {
  for (clockid_t c : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME}) {
    ScopedFd fd(timerfd_create(c, TFD_NONBLOCK));
    timespec now;
    clock_gettime(c, &now);
    itimerspec s{};
    s.it_value = {now.tv_sec - 1, now.tv_nsec};
    ASSERT_SYS_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, nullptr));
    pollfd p{fd, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 5000), 1) << c;
    EXPECT_EQ(ReadTicks(fd), 1u) << c;
  }
}

TEST(Timerfd, AbsoluteTimeInTheFutureWaits) {
  ScopedFd fd(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  itimerspec s{};
  s.it_value = {now.tv_sec + 100, now.tv_nsec};
  ASSERT_SYS_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, nullptr));
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
  itimerspec got;
  ASSERT_SYS_OK(timerfd_gettime(fd, &got));  // relative, even for an absolute setting
  EXPECT_GE(got.it_value.tv_sec, 90);
  EXPECT_LE(got.it_value.tv_sec, 100);
}

TEST(Timerfd, CancelOnSetIsAcceptedWithAbsoluteRealtime) {
  ScopedFd fd(timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK));
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  itimerspec s{};
  s.it_value = {now.tv_sec + 100, 0};
  EXPECT_SYS_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, nullptr));
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
}

TEST(Timerfd, RearmingResetsTheCount) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  itimerspec s = Spec(1 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  itimerspec later = Spec(100L * 1000 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &later, nullptr));
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

TEST(Timerfd, PollShowsReadableOnceExpired) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  pollfd p{fd, POLLIN | POLLOUT, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);  // never writable
  itimerspec s = Spec(10 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  ASSERT_EQ(poll(&p, 1, 5000), 1);
  EXPECT_EQ(p.revents, POLLIN);
  EXPECT_EQ(ReadTicks(fd), 1u);
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

TEST(Timerfd, WriteIsRejected) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
  uint64_t v = 1;
  EXPECT_ERRNO(EINVAL, write(fd, &v, sizeof v));
}

TEST(TimerfdProcesses, ForkSharesTheTimer) {
  ScopedFd fd(timerfd_create(CLOCK_MONOTONIC, 0));
  itimerspec s = Spec(20 * kMs);
  ASSERT_SYS_OK(timerfd_settime(fd, 0, &s, nullptr));
  pid_t child = conf::ForkChild([&] {
    uint64_t v = 0;
    return read(fd, &v, sizeof v) == 8 && v == 1 ? 0 : 1;
  });
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // The child consumed the expiration of the shared description.
  ASSERT_SYS_OK(fcntl(fd, F_SETFL, O_NONBLOCK));
  uint64_t v;
  EXPECT_ERRNO(EAGAIN, read(fd, &v, sizeof v));
}

}  // namespace
