// Process and system information: ids, uname, sysinfo, clocks, getrandom,
// rlimits, set_tid_address, arch_prctl, and the signal calls that need no
// delivery (rt_sigaction, rt_sigprocmask).
#include "common.h"

#include <asm/prctl.h>
#include <climits>
#include <csignal>
#include <ctime>
#include <pthread.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

using namespace conf;

namespace {

// The kernel's struct sigaction for rt_sigaction (sa_mask is 8 bytes).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};
constexpr size_t kSigsetSize = 8;

long RtSigaction(int sig, const KernelSigaction* act, KernelSigaction* old,
                 size_t size = kSigsetSize) {
  return syscall(SYS_rt_sigaction, sig, act, old, size);
}
long RtSigprocmask(int how, const uint64_t* set, uint64_t* old, size_t size = kSigsetSize) {
  return syscall(SYS_rt_sigprocmask, how, set, old, size);
}
uint64_t Bit(int sig) { return 1ULL << (sig - 1); }

}  // namespace

TEST(Ids, PidIsStableAndEqualsTidWhenSingleThreaded) {
  pid_t pid = getpid();
  EXPECT_GT(pid, 0);
  EXPECT_EQ(getpid(), pid);
  EXPECT_EQ(syscall(SYS_getpid), pid);
  EXPECT_EQ(syscall(SYS_gettid), pid);
  EXPECT_EQ(gettid(), pid);
}

TEST(Ids, ParentIsADifferentProcess) {
  pid_t ppid = getppid();
  EXPECT_GE(ppid, 0);
  EXPECT_NE(ppid, getpid());
  EXPECT_EQ(getppid(), ppid);
}

TEST(Ids, UidsAndGidsAgreeWithGetresuid) {
  uid_t r, e, s;
  ASSERT_SYS_OK(getresuid(&r, &e, &s));
  EXPECT_EQ(getuid(), r);
  EXPECT_EQ(geteuid(), e);
  gid_t gr, ge, gs;
  ASSERT_SYS_OK(getresgid(&gr, &ge, &gs));
  EXPECT_EQ(getgid(), gr);
  EXPECT_EQ(getegid(), ge);
}

TEST(Ids, GetresuidBadPointerFailsWithEFAULT) {
  uid_t a, b;
  EXPECT_ERRNO(EFAULT, syscall(SYS_getresuid, kNullPtr, &a, &b));
  EXPECT_ERRNO(EFAULT, syscall(SYS_getresgid, &a, &b, kKernelPtr));
}

TEST(Uname, FieldsAreFilledIn) {
  struct utsname u;
  ASSERT_SYS_OK(uname(&u));
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.machine, "x86_64");
  EXPECT_GT(strlen(u.nodename), 0u);
  EXPECT_GT(strlen(u.release), 0u);
  EXPECT_GT(strlen(u.version), 0u);
  // Releases look like "<major>.<minor>...".
  int major = 0, minor = 0;
  EXPECT_EQ(sscanf(u.release, "%d.%d", &major, &minor), 2) << u.release;
  EXPECT_GE(major, 3) << u.release;
}

TEST(Uname, BadPointerFailsWithEFAULT) {
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_uname, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_uname, kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_uname, page.End() - sizeof(struct utsname) / 2));
}

TEST(Sysinfo, ReportsPlausibleValues) {
  struct sysinfo si;
  ASSERT_SYS_OK(sysinfo(&si));
  EXPECT_GT(si.uptime, 0);
  EXPECT_GT(si.totalram, 0u);
  EXPECT_LE(si.freeram, si.totalram);
  EXPECT_GE(si.mem_unit, 1u);
  EXPECT_GE(si.procs, 1);
}

TEST(Sysinfo, BadPointerFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_sysinfo, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_sysinfo, kKernelPtr));
}

TEST(ClockGettime, MonotonicNeverGoesBackwards) {
  struct timespec prev, now;
  ASSERT_SYS_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &prev));
  for (int i = 0; i < 2000; ++i) {
    // Alternate the raw syscall and glibc's wrapper (the vDSO, when present).
    if (i % 2) {
      ASSERT_SYS_OK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now));
    } else {
      ASSERT_SYS_OK(clock_gettime(CLOCK_MONOTONIC, &now));
    }
    ASSERT_TRUE(now.tv_sec > prev.tv_sec ||
                (now.tv_sec == prev.tv_sec && now.tv_nsec >= prev.tv_nsec));
    ASSERT_GE(now.tv_nsec, 0);
    ASSERT_LT(now.tv_nsec, 1000000000);
    prev = now;
  }
}

TEST(ClockGettime, RealtimeAgreesWithTime) {
  struct timespec ts;
  ASSERT_SYS_OK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
  long t = syscall(SYS_time, nullptr);
  EXPECT_LE(std::labs(t - ts.tv_sec), 2);
  EXPECT_GT(ts.tv_sec, 1600000000);  // after 2020
}

TEST(ClockGettime, OtherClocksWork) {
  struct timespec ts;
  for (clockid_t id : {CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME, CLOCK_REALTIME_COARSE,
                       CLOCK_MONOTONIC_COARSE, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID}) {
    EXPECT_EQ(syscall(SYS_clock_gettime, id, &ts), 0) << "clock " << id << ": " << ErrnoName(errno);
  }
}

TEST(ClockGettime, BadClockIdFailsWithEINVAL) {
  struct timespec ts;
  EXPECT_ERRNO(EINVAL, syscall(SYS_clock_gettime, 100, &ts));
  EXPECT_ERRNO(EINVAL, syscall(SYS_clock_gettime, INT_MAX, &ts));
  // The clock is checked before the buffer.
  EXPECT_ERRNO(EINVAL, syscall(SYS_clock_gettime, 100, kNullPtr));
}

TEST(ClockGettime, BadTimespecFailsWithEFAULT) {
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_clock_gettime, CLOCK_REALTIME, kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, page.End() - 8));
}

TEST(ClockGetres, NullResultIsAllowed) {
  struct timespec res;
  ASSERT_SYS_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res));
  EXPECT_EQ(res.tv_sec, 0);
  EXPECT_GT(res.tv_nsec, 0);
  EXPECT_EQ(syscall(SYS_clock_getres, CLOCK_MONOTONIC, nullptr), 0);
  EXPECT_ERRNO(EINVAL, syscall(SYS_clock_getres, 100, &res));
}

TEST(Getrandom, FillsTheBuffer) {
  unsigned char a[256] = {}, b[256] = {};
  ASSERT_EQ(getrandom(a, sizeof a, 0), (ssize_t)sizeof a);
  ASSERT_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), (ssize_t)sizeof b);
  EXPECT_NE(memcmp(a, b, sizeof a), 0);
  int zeros = 0;
  for (unsigned char c : a) zeros += (c == 0);
  EXPECT_LT(zeros, 32);  // ~1 expected
  EXPECT_EQ(getrandom(a, 0, 0), 0);
}

TEST(Getrandom, BadFlagsFailWithEINVAL) {
  char buf[8];
  EXPECT_ERRNO(EINVAL, getrandom(buf, sizeof buf, 0x80));
  EXPECT_ERRNO(EINVAL, getrandom(buf, sizeof buf, GRND_RANDOM | GRND_INSECURE));
}

TEST(Getrandom, BadBufferFailsWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_getrandom, kNullPtr, 16, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_getrandom, kKernelPtr, 16, 0));
}

TEST(Rlimit, GetrlimitAndPrlimitAgree) {
  struct rlimit rl;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &rl));
  EXPECT_LE(rl.rlim_cur, rl.rlim_max);
  EXPECT_GE(rl.rlim_cur, 3u);
  struct rlimit64 old;
  ASSERT_SYS_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, &old));
  EXPECT_EQ(old.rlim_cur, rl.rlim_cur);
  EXPECT_EQ(old.rlim_max, rl.rlim_max);
  ASSERT_SYS_OK(syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, nullptr, &old));
  EXPECT_EQ(old.rlim_cur, rl.rlim_cur);
}

TEST(Rlimit, LoweredSoftLimitIsEnforcedAndRestorable) {
  struct rlimit saved;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &saved));
  struct rlimit64 lower = {64, saved.rlim_max}, old;
  ASSERT_SYS_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, &old));
  EXPECT_EQ(old.rlim_cur, saved.rlim_cur);
  struct rlimit now;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &now));
  EXPECT_EQ(now.rlim_cur, 64u);
  EXPECT_ERRNO(EINVAL, fcntl(0, F_DUPFD, 64));
  EXPECT_ERRNO(EBADF, dup2(0, 64));
  ASSERT_SYS_OK(setrlimit(RLIMIT_NOFILE, &saved));
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &now));
  EXPECT_EQ(now.rlim_cur, saved.rlim_cur);
}

TEST(Rlimit, SoftAboveHardFailsWithEINVAL) {
  struct rlimit saved;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &saved));
  struct rlimit64 bad = {16, 8};
  EXPECT_ERRNO(EINVAL, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &bad, nullptr));
  struct rlimit now;
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &now));
  EXPECT_EQ(now.rlim_cur, saved.rlim_cur);
}

TEST(Rlimit, BadResourceFailsWithEINVAL) {
  struct rlimit rl;
  EXPECT_ERRNO(EINVAL, syscall(SYS_getrlimit, RLIM_NLIMITS, &rl));
  EXPECT_ERRNO(EINVAL, syscall(SYS_getrlimit, 1000, &rl));
  EXPECT_ERRNO(EINVAL, syscall(SYS_prlimit64, 0, 1000, nullptr, &rl));
}

TEST(Rlimit, UnknownPidFailsWithESRCH) {
  struct rlimit64 rl;
  EXPECT_ERRNO(ESRCH, syscall(SYS_prlimit64, INT_MAX, RLIMIT_NOFILE, nullptr, &rl));
}

TEST(Rlimit, BadPointersFailWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_getrlimit, RLIMIT_NOFILE, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, kOnePtr, nullptr));
}

TEST(SetTidAddress, ReturnsTheTid) {
  static int slot;
  EXPECT_EQ(syscall(SYS_set_tid_address, &slot), syscall(SYS_gettid));
}

TEST(ArchPrctl, GetFsMatchesTheThreadPointer) {
  unsigned long fs = 0;
  ASSERT_SYS_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
  unsigned long self;
  asm volatile("mov %%fs:0, %0" : "=r"(self));
  EXPECT_EQ(fs, self);
  EXPECT_EQ(fs, (unsigned long)pthread_self());
  // The thread pointer is where TLS lives.
  static thread_local int tls_var;
  EXPECT_LT((unsigned long)&tls_var, fs);
  EXPECT_GT((unsigned long)&tls_var + 65536, fs);
}

TEST(ArchPrctl, SetFsRoundTrips) {
  unsigned long fs = 0, again = 0;
  ASSERT_SYS_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
  ASSERT_SYS_OK(syscall(SYS_arch_prctl, ARCH_SET_FS, fs));
  ASSERT_SYS_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &again));
  EXPECT_EQ(again, fs);
}

TEST(ArchPrctl, Errors) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_arch_prctl, ARCH_GET_FS, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_arch_prctl, ARCH_GET_FS, kKernelPtr));
  EXPECT_ERRNO(EINVAL, syscall(SYS_arch_prctl, 0x9999, 0));
  // A base outside user space is refused (and nothing changes).
  EXPECT_ERRNO(EPERM, syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000UL));
  EXPECT_ERRNO(EPERM, syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000UL));
}

TEST(RtSigaction, InstallsAndReportsADisposition) {
  KernelSigaction act = {}, old = {}, back = {};
  act.handler = reinterpret_cast<void*>(SIG_IGN);
  act.mask = Bit(SIGUSR2);
  ASSERT_SYS_OK(RtSigaction(SIGUSR1, &act, &old));
  ASSERT_SYS_OK(RtSigaction(SIGUSR1, nullptr, &back));
  EXPECT_EQ(back.handler, reinterpret_cast<void*>(SIG_IGN));
  EXPECT_EQ(back.mask, Bit(SIGUSR2));
  ASSERT_SYS_OK(RtSigaction(SIGUSR1, &old, nullptr));
  ASSERT_SYS_OK(RtSigaction(SIGUSR1, nullptr, &back));
  EXPECT_EQ(back.handler, old.handler);
}

TEST(RtSigaction, KillAndStopCannotBeChanged) {
  KernelSigaction act = {}, old = {};
  act.handler = reinterpret_cast<void*>(SIG_IGN);
  EXPECT_ERRNO(EINVAL, RtSigaction(SIGKILL, &act, nullptr));
  EXPECT_ERRNO(EINVAL, RtSigaction(SIGSTOP, &act, nullptr));
  // Reading them is fine.
  EXPECT_EQ(RtSigaction(SIGKILL, nullptr, &old), 0);
  EXPECT_EQ(old.handler, reinterpret_cast<void*>(SIG_DFL));
}

TEST(RtSigaction, BadSignalNumberFailsWithEINVAL) {
  KernelSigaction old;
  EXPECT_ERRNO(EINVAL, RtSigaction(0, nullptr, &old));
  EXPECT_ERRNO(EINVAL, RtSigaction(65, nullptr, &old));
  EXPECT_ERRNO(EINVAL, RtSigaction(-1, nullptr, &old));
}

TEST(RtSigaction, BadSigsetsizeFailsWithEINVAL) {
  KernelSigaction old;
  EXPECT_ERRNO(EINVAL, RtSigaction(SIGUSR1, nullptr, &old, 4));
  EXPECT_ERRNO(EINVAL, RtSigaction(SIGUSR1, nullptr, &old, 16));
  EXPECT_ERRNO(EINVAL, RtSigaction(SIGUSR1, nullptr, &old, 0));
}

TEST(RtSigaction, BadPointersFailWithEFAULT) {
  EXPECT_ERRNO(EFAULT, RtSigaction(SIGUSR1, (KernelSigaction*)kOnePtr, nullptr));
  EXPECT_ERRNO(EFAULT, RtSigaction(SIGUSR1, (KernelSigaction*)kKernelPtr, nullptr));
  EXPECT_ERRNO(EFAULT, RtSigaction(SIGUSR1, nullptr, (KernelSigaction*)kOnePtr));
}

TEST(RtSigprocmask, BlockUnblockAndSetmask) {
  uint64_t orig = 0, now = 0;
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, nullptr, &orig));
  uint64_t usr1 = Bit(SIGUSR1), usr2 = Bit(SIGUSR2);
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, &usr1, nullptr));
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, &usr2, &now));
  EXPECT_EQ(now, orig | usr1);
  ASSERT_SYS_OK(RtSigprocmask(SIG_UNBLOCK, &usr1, &now));
  EXPECT_EQ(now, orig | usr1 | usr2);
  ASSERT_SYS_OK(RtSigprocmask(SIG_SETMASK, &orig, &now));
  EXPECT_EQ(now, (orig | usr2) & ~usr1);
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, nullptr, &now));
  EXPECT_EQ(now, orig);
}

TEST(RtSigprocmask, KillAndStopAreNeverBlocked) {
  uint64_t orig = 0, now = 0;
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, nullptr, &orig));
  uint64_t all = ~0ULL;
  ASSERT_SYS_OK(RtSigprocmask(SIG_SETMASK, &all, nullptr));
  ASSERT_SYS_OK(RtSigprocmask(SIG_SETMASK, &orig, &now));
  EXPECT_EQ(now, ~(Bit(SIGKILL) | Bit(SIGSTOP)));
}

TEST(RtSigprocmask, BadHowFailsWithEINVAL) {
  uint64_t set = Bit(SIGUSR1), orig = 0, now = 0;
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, nullptr, &orig));
  EXPECT_ERRNO(EINVAL, RtSigprocmask(3, &set, nullptr));
  EXPECT_ERRNO(EINVAL, RtSigprocmask(-1, &set, nullptr));
  ASSERT_SYS_OK(RtSigprocmask(SIG_BLOCK, nullptr, &now));
  EXPECT_EQ(now, orig);
  // Without a new set, `how` is not looked at.
  EXPECT_EQ(RtSigprocmask(99, nullptr, &now), 0);
}

TEST(RtSigprocmask, BadSigsetsizeFailsWithEINVAL) {
  uint64_t set = 0;
  EXPECT_ERRNO(EINVAL, RtSigprocmask(SIG_BLOCK, &set, nullptr, 4));
  EXPECT_ERRNO(EINVAL, RtSigprocmask(SIG_BLOCK, nullptr, &set, 16));
}

TEST(RtSigprocmask, BadPointersFailWithEFAULT) {
  uint64_t set = 0;
  EXPECT_ERRNO(EFAULT, RtSigprocmask(SIG_BLOCK, (uint64_t*)kOnePtr, nullptr));
  EXPECT_ERRNO(EFAULT, RtSigprocmask(SIG_BLOCK, &set, (uint64_t*)kKernelPtr));
}
