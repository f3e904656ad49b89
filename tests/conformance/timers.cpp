// Sleeps and timers: nanosleep/clock_nanosleep (errors, absolute deadlines,
// interruption with the time left), alarm, setitimer/getitimer, and the
// POSIX timers (timer_create/settime/gettime/getoverrun/delete) with their
// signals. The *Signals suites need signal delivery.
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <climits>
#include <chrono>

#include "common.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

int64_t Ns(const timespec& ts) { return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec; }
int64_t Us(const timeval& tv) { return int64_t{tv.tv_sec} * 1000000 + tv.tv_usec; }

long Nanosleep(const void* req, void* rem) { return syscall(SYS_nanosleep, req, rem); }
long ClockNanosleep(clockid_t c, int flags, const void* req, void* rem) {
  return syscall(SYS_clock_nanosleep, c, flags, req, rem);
}
long Setitimer(int which, const void* v, void* old) { return syscall(SYS_setitimer, which, v, old); }
long Getitimer(int which, void* v) { return syscall(SYS_getitimer, which, v); }
long TimerCreate(clockid_t c, void* sev, void* id) { return syscall(SYS_timer_create, c, sev, id); }
long TimerSettime(int id, int flags, const void* v, void* old) {
  return syscall(SYS_timer_settime, id, flags, v, old);
}
long TimerGettime(int id, void* v) { return syscall(SYS_timer_gettime, id, v); }
long TimerGetoverrun(int id) { return syscall(SYS_timer_getoverrun, id); }
long TimerDelete(int id) { return syscall(SYS_timer_delete, id); }

// ---- nanosleep / clock_nanosleep ----------------------------------------------

TEST(Nanosleep, InvalidTimesFailWithEINVAL) {
  timespec neg_nsec = {0, -1}, big_nsec = {0, 1000000000}, neg_sec = {-1, 0};
  EXPECT_ERRNO(EINVAL, Nanosleep(&neg_nsec, nullptr));
  EXPECT_ERRNO(EINVAL, Nanosleep(&big_nsec, nullptr));
  EXPECT_ERRNO(EINVAL, Nanosleep(&neg_sec, nullptr));
}

TEST(Nanosleep, BadPointerFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, Nanosleep(conf::kNullPtr, nullptr));
  EXPECT_ERRNO(EFAULT, Nanosleep(conf::kOnePtr, nullptr));
}

TEST(Nanosleep, SleepsAtLeastTheRequestedTimeAndLeavesRemAlone) {
  timespec req = {0, 20000000};
  timespec rem = {77, 77};
  auto start = Clock::now();
  EXPECT_EQ(0, Nanosleep(&req, &rem));
  EXPECT_GE(ElapsedMs(start), 19);
  EXPECT_EQ(77, rem.tv_sec);
  // rem is only written when the sleep is interrupted.
  EXPECT_EQ(0, Nanosleep(&req, conf::kOnePtr));
}

TEST(ClockNanosleep, ErrorsComeBackAsReturnValues) {
  timespec ts = {0, 1000}, bad = {0, -1};
  EXPECT_ERRNO(EINVAL, ClockNanosleep(100, 0, &ts, nullptr));
  EXPECT_ERRNO(EOPNOTSUPP, ClockNanosleep(CLOCK_MONOTONIC_RAW, 0, &ts, nullptr));
  EXPECT_ERRNO(EOPNOTSUPP, ClockNanosleep(CLOCK_MONOTONIC_COARSE, 0, &ts, nullptr));
  EXPECT_ERRNO(EINVAL, ClockNanosleep(CLOCK_MONOTONIC, 0, &bad, nullptr));
  EXPECT_ERRNO(EFAULT, ClockNanosleep(CLOCK_MONOTONIC, 0, conf::kOnePtr, nullptr));
}

TEST(ClockNanosleep, ThreadCpuClockCannotSleep) {
  // EINVAL in the man page and older kernels; EOPNOTSUPP since the thread
  // CPU clock lost its nsleep.
  timespec ts = {0, 1000};
  errno = 0;
  EXPECT_EQ(-1, ClockNanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ts, nullptr));
  EXPECT_TRUE(errno == EINVAL || errno == EOPNOTSUPP) << conf::ErrnoName(errno);
}

TEST(ClockNanosleep, AbsoluteTimeInThePastReturnsAtOnce) {
  timespec past = {1, 0};
  for (clockid_t c : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME}) {
    auto start = Clock::now();
    EXPECT_EQ(0, ClockNanosleep(c, TIMER_ABSTIME, &past, conf::kOnePtr)) << c;
    EXPECT_LT(ElapsedMs(start), 100);
  }
}

TEST(ClockNanosleep, AbsoluteDeadlineIsHonoured) {
  for (clockid_t c : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME}) {
    timespec at{};
    clock_gettime(c, &at);
    at.tv_nsec += 20000000;
    if (at.tv_nsec >= 1000000000) {
      at.tv_nsec -= 1000000000;
      ++at.tv_sec;
    }
    EXPECT_EQ(0, ClockNanosleep(c, TIMER_ABSTIME, &at, nullptr));
    timespec now{};
    clock_gettime(c, &now);
    EXPECT_GE(Ns(now), Ns(at)) << c;
  }
}

TEST(ClockNanosleep, RelativeSleep) {
  timespec req = {0, 20000000};
  auto start = Clock::now();
  EXPECT_EQ(0, ClockNanosleep(CLOCK_MONOTONIC, 0, &req, nullptr));
  EXPECT_GE(ElapsedMs(start), 19);
}

// ---- alarm / setitimer / getitimer -----------------------------------------------

TEST(Alarm, ReturnsTheSecondsLeftOnThePreviousAlarm) {
  EXPECT_EQ(0, syscall(SYS_alarm, 100));
  EXPECT_EQ(100, syscall(SYS_alarm, 50));
  EXPECT_EQ(50, syscall(SYS_alarm, 0));
  EXPECT_EQ(0, syscall(SYS_alarm, 0));
}

TEST(Alarm, SharesTheRealItimer) {
  itimerval v = {{0, 0}, {7, 0}};
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, &v, nullptr));
  // 6.99... s left rounds to 7; the interval is dropped.
  EXPECT_EQ(7, syscall(SYS_alarm, 3));
  itimerval cur{};
  ASSERT_EQ(0, Getitimer(ITIMER_REAL, &cur));
  EXPECT_GT(Us(cur.it_value), 2000000);
  EXPECT_LE(Us(cur.it_value), 3000000);
  EXPECT_EQ(0, Us(cur.it_interval));
  // Less than half a second left still reports 1: a pending alarm is never 0.
  // 400 ms, not less: the timer must still be pending when alarm(0) runs on a
  // slow (sanitizer) build, or SIGALRM ends the test.
  v = {{0, 0}, {0, 400000}};
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, &v, nullptr));
  EXPECT_EQ(1, syscall(SYS_alarm, 0));
}

TEST(Itimer, RealRoundTrip) {
  itimerval v = {{1, 500000}, {5, 0}}, old{};
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, &v, &old));
  EXPECT_EQ(0, Us(old.it_value));
  itimerval cur{};
  ASSERT_EQ(0, Getitimer(ITIMER_REAL, &cur));
  EXPECT_GT(Us(cur.it_value), 4000000);
  EXPECT_LE(Us(cur.it_value), 5000000);
  EXPECT_EQ(1500000, Us(cur.it_interval));
  // Disarming returns the old setting and forgets the interval.
  itimerval zero = {{1, 0}, {0, 0}};
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, &zero, &old));
  EXPECT_GT(Us(old.it_value), 4000000);
  EXPECT_EQ(1500000, Us(old.it_interval));
  ASSERT_EQ(0, Getitimer(ITIMER_REAL, &cur));
  EXPECT_EQ(0, Us(cur.it_value));
  EXPECT_EQ(0, Us(cur.it_interval));
}

TEST(Itimer, NullNewValueDisarms) {
  itimerval v = {{0, 0}, {5, 0}}, old{};
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, &v, nullptr));
  ASSERT_EQ(0, Setitimer(ITIMER_REAL, nullptr, &old));
  EXPECT_GT(Us(old.it_value), 4000000);
  itimerval cur{};
  ASSERT_EQ(0, Getitimer(ITIMER_REAL, &cur));
  EXPECT_EQ(0, Us(cur.it_value));
}

TEST(Itimer, CpuTimersKeepTheirSetting) {
  for (int which : {ITIMER_VIRTUAL, ITIMER_PROF}) {
    itimerval v = {{0, 0}, {50, 0}};
    ASSERT_EQ(0, Setitimer(which, &v, nullptr));
    itimerval cur{};
    ASSERT_EQ(0, Getitimer(which, &cur));
    // Linux rounds CPU timers to its tick.
    EXPECT_GT(Us(cur.it_value), 49000000) << which;
    EXPECT_LE(Us(cur.it_value), 50100000) << which;
    itimerval zero = {};
    ASSERT_EQ(0, Setitimer(which, &zero, nullptr));
    ASSERT_EQ(0, Getitimer(which, &cur));
    EXPECT_EQ(0, Us(cur.it_value));
  }
}

TEST(Itimer, Errors) {
  itimerval v = {{0, 0}, {1, 0}}, out{};
  EXPECT_ERRNO(EINVAL, Setitimer(3, &v, &out));
  EXPECT_ERRNO(EINVAL, Setitimer(-1, &v, &out));
  EXPECT_ERRNO(EINVAL, Getitimer(3, &out));
  EXPECT_ERRNO(EFAULT, Getitimer(ITIMER_REAL, conf::kOnePtr));
  EXPECT_ERRNO(EFAULT, Setitimer(ITIMER_REAL, conf::kOnePtr, &out));
  itimerval bad = {{0, 0}, {0, 1000000}};
  EXPECT_ERRNO(EINVAL, Setitimer(ITIMER_REAL, &bad, &out));
  bad = {{0, -1}, {1, 0}};
  EXPECT_ERRNO(EINVAL, Setitimer(ITIMER_REAL, &bad, &out));
  bad = {{0, 0}, {-1, 0}};
  EXPECT_ERRNO(EINVAL, Setitimer(ITIMER_REAL, &bad, &out));
  // A bad old-value pointer fails after the new value took effect.
  EXPECT_ERRNO(EFAULT, Setitimer(ITIMER_REAL, &v, conf::kOnePtr));
  ASSERT_EQ(0, Getitimer(ITIMER_REAL, &out));
  EXPECT_GT(Us(out.it_value), 0);
  itimerval zero = {};
  Setitimer(ITIMER_REAL, &zero, nullptr);
}

// ---- POSIX timers: ids, settings, errors -----------------------------------------

class ScopedTimer {
 public:
  explicit ScopedTimer(clockid_t clock = CLOCK_MONOTONIC, sigevent* sev = nullptr) {
    ok_ = TimerCreate(clock, sev, &id_) == 0;
  }
  ~ScopedTimer() {
    if (ok_) TimerDelete(id_);
  }
  bool ok() const { return ok_; }
  int id() const { return id_; }

 private:
  int id_ = -1;
  bool ok_ = false;
};

sigevent NoSignal() {
  sigevent sev{};
  sev.sigev_notify = SIGEV_NONE;
  return sev;
}

TEST(TimerCreate, AcceptsTheTimerClocks) {
  for (clockid_t c : {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI, CLOCK_PROCESS_CPUTIME_ID,
                      CLOCK_THREAD_CPUTIME_ID}) {
    sigevent sev = NoSignal();
    ScopedTimer t(c, &sev);
    EXPECT_TRUE(t.ok()) << c;
  }
}

TEST(TimerCreate, Errors) {
  int id;
  sigevent sev = NoSignal();
  EXPECT_ERRNO(EINVAL, TimerCreate(100, &sev, &id));
  EXPECT_ERRNO(EINVAL, TimerCreate(10, &sev, &id));
  EXPECT_ERRNO(EOPNOTSUPP, TimerCreate(CLOCK_MONOTONIC_RAW, &sev, &id));
  EXPECT_ERRNO(EOPNOTSUPP, TimerCreate(CLOCK_REALTIME_COARSE, &sev, &id));
  EXPECT_ERRNO(EFAULT, TimerCreate(CLOCK_MONOTONIC, conf::kOnePtr, &id));
  EXPECT_ERRNO(EFAULT, TimerCreate(CLOCK_MONOTONIC, &sev, conf::kOnePtr));
  sigevent bad{};
  bad.sigev_notify = 7;
  bad.sigev_signo = SIGUSR1;
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
  bad.sigev_notify = SIGEV_SIGNAL;
  bad.sigev_signo = 0;
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
  bad.sigev_signo = 65;
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
  bad.sigev_notify = SIGEV_THREAD_ID;
  bad.sigev_signo = SIGUSR1;
  bad._sigev_un._tid = getppid();  // a process, but not a thread of this one
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
  bad._sigev_un._tid = INT_MAX;  // above any pid_max
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
  bad.sigev_notify = SIGEV_THREAD_ID | SIGEV_NONE;
  bad._sigev_un._tid = gettid();
  EXPECT_ERRNO(EINVAL, TimerCreate(CLOCK_MONOTONIC, &bad, &id));
}

TEST(TimerCreate, SigevNoneIgnoresTheSignalNumber) {
  sigevent sev = NoSignal();
  sev.sigev_signo = 1000;
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  EXPECT_TRUE(t.ok());
}

// A signal that never comes: the tests delete their timers long before.
sigevent FarSignal() {
  sigevent sev{};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGUSR1;
  return sev;
}

TEST(TimerSettime, RelativeRoundTrip) {
  // (Not SIGEV_NONE: Linux keeps reporting a disarmed SIGEV_NONE timer's
  // old expiry.)
  sigevent sev = FarSignal();
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec cur{};
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_EQ(0, Ns(cur.it_value));
  itimerspec v = {{2, 0}, {10, 0}}, old{};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, &old));
  EXPECT_EQ(0, Ns(old.it_value));
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_GT(Ns(cur.it_value), 9000000000);
  EXPECT_LE(Ns(cur.it_value), 10000000000);
  EXPECT_EQ(2000000000, Ns(cur.it_interval));
  itimerspec zero{};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &zero, &old));
  EXPECT_GT(Ns(old.it_value), 9000000000);
  EXPECT_EQ(2000000000, Ns(old.it_interval));
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_EQ(0, Ns(cur.it_value));
  EXPECT_EQ(0, Ns(cur.it_interval));
}

TEST(TimerSettime, AbsoluteTime) {
  sigevent sev = NoSignal();
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  itimerspec v = {{0, 0}, {now.tv_sec + 5, now.tv_nsec}};
  ASSERT_EQ(0, TimerSettime(t.id(), TIMER_ABSTIME, &v, nullptr));
  itimerspec cur{};
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_GT(Ns(cur.it_value), 4000000000);
  EXPECT_LE(Ns(cur.it_value), 5000000000);
}

TEST(TimerSettime, SigevNoneTimerRunsOut) {
  sigevent sev = NoSignal();
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {0, 10000000}};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  usleep(30000);
  itimerspec cur{};
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_EQ(0, Ns(cur.it_value));
  // Periodic: always within one period of the next expiration.
  v = {{0, 10000000}, {0, 10000000}};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  usleep(35000);
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_GT(Ns(cur.it_value), 0);
  EXPECT_LE(Ns(cur.it_value), 10000000);
}

TEST(TimerSettime, Errors) {
  sigevent sev = NoSignal();
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {100, 0}};
  EXPECT_ERRNO(EINVAL, TimerSettime(t.id(), 0, nullptr, nullptr));
  EXPECT_ERRNO(EINVAL, TimerSettime(12345, 0, &v, nullptr));
  EXPECT_ERRNO(EFAULT, TimerSettime(t.id(), 0, conf::kOnePtr, nullptr));
  itimerspec bad = {{0, 0}, {0, -1}};
  EXPECT_ERRNO(EINVAL, TimerSettime(t.id(), 0, &bad, nullptr));
  bad = {{0, 1000000000}, {1, 0}};
  EXPECT_ERRNO(EINVAL, TimerSettime(t.id(), 0, &bad, nullptr));
  // Unknown flag bits are ignored; a bad old pointer fails after arming.
  EXPECT_ERRNO(EFAULT, TimerSettime(t.id(), 0xfe, &v, conf::kOnePtr));
  itimerspec cur{};
  ASSERT_EQ(0, TimerGettime(t.id(), &cur));
  EXPECT_GT(Ns(cur.it_value), 99000000000);
  EXPECT_ERRNO(EFAULT, TimerGettime(t.id(), conf::kOnePtr));
  EXPECT_ERRNO(EINVAL, TimerGettime(12345, conf::kOnePtr));
  EXPECT_ERRNO(EINVAL, TimerGetoverrun(12345));
  EXPECT_EQ(0, TimerGetoverrun(t.id()));
}

TEST(TimerDelete, DeletedIdIsInvalid) {
  sigevent sev = NoSignal();
  int id;
  ASSERT_EQ(0, TimerCreate(CLOCK_MONOTONIC, &sev, &id));
  EXPECT_EQ(0, TimerDelete(id));
  EXPECT_ERRNO(EINVAL, TimerDelete(id));
  itimerspec cur{};
  EXPECT_ERRNO(EINVAL, TimerGettime(id, &cur));
  EXPECT_ERRNO(EINVAL, TimerDelete(-1));
}

TEST(TimerCreate, IdsAreDistinct) {
  sigevent sev = NoSignal();
  ScopedTimer a(CLOCK_MONOTONIC, &sev), b(CLOCK_MONOTONIC, &sev), c(CLOCK_REALTIME, &sev);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NE(a.id(), b.id());
  EXPECT_NE(b.id(), c.id());
  EXPECT_NE(a.id(), c.id());
}

// ---- signals from timers ---------------------------------------------------------

// Blocks `sig` for the test's duration so it can be collected synchronously.
class BlockedSignal {
 public:
  explicit BlockedSignal(int sig) : sig_(sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, &old_);
  }
  ~BlockedSignal() {
    // Drop a leftover instance before unblocking.
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig_);
    timespec zero = {0, 0};
    while (sigtimedwait(&s, nullptr, &zero) == sig_) {
    }
    sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  // Waits up to `ms` for the signal; returns its number or -1.
  int Wait(siginfo_t* info, long ms = 2000) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig_);
    timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    return sigtimedwait(&s, info, &ts);
  }

 private:
  int sig_;
  sigset_t old_;
};

TEST(TimerSignals, DefaultNotificationIsSigalrmCarryingTheId) {
  BlockedSignal blocked(SIGALRM);
  ScopedTimer t(CLOCK_MONOTONIC);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {0, 5000000}};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  siginfo_t info{};
  ASSERT_EQ(SIGALRM, blocked.Wait(&info));
  EXPECT_EQ(SI_TIMER, info.si_code);
  EXPECT_EQ(t.id(), info.si_value.sival_int);
  EXPECT_EQ(0, info.si_overrun);
}

TEST(TimerSignals, SigevSignalCarriesTheValue) {
  BlockedSignal blocked(SIGUSR1);
  sigevent sev{};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGUSR1;
  sev.sigev_value.sival_ptr = reinterpret_cast<void*>(0x1234567890abcdefUL);
  ScopedTimer t(CLOCK_REALTIME, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {0, 5000000}};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  siginfo_t info{};
  ASSERT_EQ(SIGUSR1, blocked.Wait(&info));
  EXPECT_EQ(SI_TIMER, info.si_code);
  EXPECT_EQ(reinterpret_cast<void*>(0x1234567890abcdefUL), info.si_value.sival_ptr);
}

TEST(TimerSignals, ThreadIdTargetsThatThread) {
  BlockedSignal blocked(SIGUSR2);
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGUSR2;
  sev._sigev_un._tid = gettid();
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {0, 5000000}};
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  siginfo_t info{};
  ASSERT_EQ(SIGUSR2, blocked.Wait(&info));
  EXPECT_EQ(SI_TIMER, info.si_code);
}

TEST(TimerSignals, AbsoluteTimeInThePastFiresAtOnce) {
  BlockedSignal blocked(SIGALRM);
  ScopedTimer t(CLOCK_MONOTONIC);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 0}, {0, 1}};
  ASSERT_EQ(0, TimerSettime(t.id(), TIMER_ABSTIME, &v, nullptr));
  siginfo_t info{};
  ASSERT_EQ(SIGALRM, blocked.Wait(&info, 500));
}

TEST(TimerSignals, PendingSignalCountsOverruns) {
  BlockedSignal blocked(SIGRTMIN);
  sigevent sev{};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  ScopedTimer t(CLOCK_MONOTONIC, &sev);
  ASSERT_TRUE(t.ok());
  itimerspec v = {{0, 1000000}, {0, 1000000}};  // every millisecond
  ASSERT_EQ(0, TimerSettime(t.id(), 0, &v, nullptr));
  usleep(50000);
  siginfo_t info{};
  ASSERT_EQ(SIGRTMIN, blocked.Wait(&info));
  // One queued signal (even for a real-time signal), the rest as overruns.
  EXPECT_GT(info.si_overrun, 10);
  EXPECT_EQ(info.si_overrun, TimerGetoverrun(t.id()));
  itimerspec zero{};
  TimerSettime(t.id(), 0, &zero, nullptr);
  EXPECT_EQ(0, TimerGetoverrun(t.id()));
}

std::atomic<int> alarms{0};
void OnAlarm(int) { alarms++; }

// Installs OnAlarm for SIGALRM (no SA_RESTART) for the test's duration.
class AlarmHandler {
 public:
  AlarmHandler() {
    alarms = 0;
    struct sigaction sa {};
    sa.sa_handler = OnAlarm;
    sigaction(SIGALRM, &sa, &old_);
  }
  ~AlarmHandler() {
    itimerval zero{};
    setitimer(ITIMER_REAL, &zero, nullptr);
    sigaction(SIGALRM, &old_, nullptr);
  }

 private:
  struct sigaction old_ {};
};

TEST(ItimerSignals, SigalrmInterruptsPause) {
  AlarmHandler h;
  itimerval v = {{0, 0}, {0, 20000}};
  ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, nullptr));
  EXPECT_ERRNO(EINTR, pause());
  EXPECT_EQ(1, alarms);
}

TEST(ItimerSignals, SigalrmInterruptsABlockingRead) {
  AlarmHandler h;
  int fds[2];
  ASSERT_EQ(0, pipe(fds));
  ASSERT_EQ(0, alarm(1));
  char c;
  auto start = Clock::now();
  EXPECT_ERRNO(EINTR, read(fds[0], &c, 1));
  EXPECT_GE(ElapsedMs(start), 900);
  EXPECT_EQ(1, alarms);
  close(fds[0]);
  close(fds[1]);
}

TEST(ItimerSignals, IntervalTimerKeepsFiring) {
  AlarmHandler h;
  itimerval v = {{0, 10000}, {0, 10000}};
  ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, nullptr));
  auto deadline = Clock::now() + std::chrono::seconds(2);
  while (alarms < 3 && Clock::now() < deadline) pause();
  EXPECT_GE(alarms, 3);
}

TEST(ItimerSignals, NanosleepInterruptedReportsTheTimeLeft) {
  AlarmHandler h;
  itimerval v = {{0, 0}, {0, 20000}};
  ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, nullptr));
  timespec req = {2, 0}, rem = {0, 0};
  EXPECT_ERRNO(EINTR, Nanosleep(&req, &rem));
  EXPECT_GT(Ns(rem), 1000000000);
  EXPECT_LT(Ns(rem), 2000000000);
}

TEST(ItimerSignals, AbsoluteClockNanosleepInterruptedLeavesRemAlone) {
  AlarmHandler h;
  itimerval v = {{0, 0}, {0, 20000}};
  ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, nullptr));
  timespec at{};
  clock_gettime(CLOCK_MONOTONIC, &at);
  at.tv_sec += 2;
  timespec rem = {5, 5};
  EXPECT_ERRNO(EINTR, ClockNanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, &rem));
  EXPECT_EQ(5, rem.tv_sec);
}

TEST(ItimerSignals, SigalrmCarriesSiKernel) {
  BlockedSignal blocked(SIGALRM);
  itimerval v = {{0, 0}, {0, 5000}};
  ASSERT_EQ(0, setitimer(ITIMER_REAL, &v, nullptr));
  siginfo_t info{};
  ASSERT_EQ(SIGALRM, blocked.Wait(&info));
  EXPECT_EQ(SI_KERNEL, info.si_code);
}

}  // namespace
