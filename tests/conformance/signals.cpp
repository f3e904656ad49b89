// Signal generation, masks and waiting: the siginfo a handler receives from
// kill / sigqueue / tgkill, the mask while a handler runs (sa_mask, the
// signal itself, SA_NODEFER), SA_RESETHAND, nesting, sigaltstack with
// SA_ONSTACK, sigsuspend, sigtimedwait, sigpending, queueing of real-time
// signals and SA_RESTART on a blocking pipe read.
#include <sys/time.h>

#include <vector>

#include "proc_util.h"

namespace {

using conf::ForkChild;
using conf::ScopedBlock;
using conf::ScopedHandler;
using conf::SleepMs;
using conf::WaitPid;

siginfo_t g_info;
volatile sig_atomic_t g_count;
sigset_t g_mask_in_handler;

void Record(int, siginfo_t* si, void*) {
  g_info = *si;
  sigprocmask(SIG_BLOCK, nullptr, &g_mask_in_handler);
  g_count = g_count + 1;
}

void Reset() {
  memset(&g_info, 0, sizeof g_info);
  sigemptyset(&g_mask_in_handler);
  g_count = 0;
}

TEST(SigInfo, KillGivesSiUserWithSenderPidAndUid) {
  Reset();
  ScopedHandler h(SIGUSR1, Record);
  ASSERT_SYS_OK(kill(getpid(), SIGUSR1));
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_signo, SIGUSR1);
  EXPECT_EQ(g_info.si_code, SI_USER);
  EXPECT_EQ(g_info.si_pid, getpid());
  EXPECT_EQ(g_info.si_uid, getuid());
}

TEST(SigInfo, KillFromChildCarriesChildPid) {
  Reset();
  ScopedBlock b({SIGUSR2});
  const pid_t parent = getpid();
  pid_t pid = ForkChild([parent] { return kill(parent, SIGUSR2) == 0 ? 0 : 1; });
  timespec ts{5, 0};
  siginfo_t si{};
  ASSERT_EQ(sigtimedwait(&b.set(), &si, &ts), SIGUSR2);
  EXPECT_EQ(si.si_code, SI_USER);
  EXPECT_EQ(si.si_pid, pid);
  WaitPid(pid, nullptr);
}

TEST(SigInfo, SigqueueGivesSiQueueAndValue) {
  Reset();
  ScopedHandler h(SIGUSR1, Record);
  sigval v{};
  v.sival_int = 0x5eed;
  ASSERT_SYS_OK(sigqueue(getpid(), SIGUSR1, v));
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_code, SI_QUEUE);
  EXPECT_EQ(g_info.si_pid, getpid());
  EXPECT_EQ(g_info.si_uid, getuid());
  EXPECT_EQ(g_info.si_value.sival_int, 0x5eed);
}

TEST(SigInfo, TgkillGivesSiTkill) {
  Reset();
  ScopedHandler h(SIGUSR1, Record);
  ASSERT_SYS_OK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
  ASSERT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_code, SI_TKILL);
  EXPECT_EQ(g_info.si_pid, getpid());
  EXPECT_EQ(g_info.si_uid, getuid());
}

TEST(SigInfo, RtSigqueueinfoRefusesKernelCodesForOtherProcesses) {
  siginfo_t si{};
  si.si_code = SI_USER;
  pid_t pid = ForkChild([] {
    SleepMs(200);
    return 0;
  });
  EXPECT_ERRNO(EPERM, syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si));
  kill(pid, SIGKILL);
  WaitPid(pid, nullptr);
}

TEST(Mask, HandlerBlocksItsSignalAndSaMask) {
  Reset();
  sigset_t extra;
  sigemptyset(&extra);
  sigaddset(&extra, SIGUSR2);
  ScopedHandler h(SIGUSR1, Record, SA_SIGINFO, &extra);
  raise(SIGUSR1);
  ASSERT_EQ(g_count, 1);
  EXPECT_TRUE(sigismember(&g_mask_in_handler, SIGUSR1));
  EXPECT_TRUE(sigismember(&g_mask_in_handler, SIGUSR2));
  EXPECT_FALSE(sigismember(&g_mask_in_handler, SIGTERM));
  // The old mask is back after the handler.
  sigset_t now;
  sigprocmask(SIG_BLOCK, nullptr, &now);
  EXPECT_FALSE(sigismember(&now, SIGUSR1));
  EXPECT_FALSE(sigismember(&now, SIGUSR2));
}

TEST(Mask, SaNodeferLeavesSignalUnblocked) {
  Reset();
  ScopedHandler h(SIGUSR1, Record, SA_SIGINFO | SA_NODEFER);
  raise(SIGUSR1);
  ASSERT_EQ(g_count, 1);
  EXPECT_FALSE(sigismember(&g_mask_in_handler, SIGUSR1));
}

TEST(Mask, SigkillAndSigstopCannotBeBlockedOrCaught) {
  sigset_t all, old, now;
  sigfillset(&all);
  ASSERT_SYS_OK(sigprocmask(SIG_SETMASK, &all, &old));
  sigprocmask(SIG_SETMASK, nullptr, &now);
  EXPECT_FALSE(sigismember(&now, SIGKILL));
  EXPECT_FALSE(sigismember(&now, SIGSTOP));
  sigprocmask(SIG_SETMASK, &old, nullptr);
  struct sigaction sa{};
  sa.sa_handler = SIG_IGN;
  EXPECT_ERRNO(EINVAL, sigaction(SIGKILL, &sa, nullptr));
  EXPECT_ERRNO(EINVAL, sigaction(SIGSTOP, &sa, nullptr));
  EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigprocmask, 99, &all, nullptr, 8));
  EXPECT_ERRNO(EINVAL, syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, nullptr, 4));
}

TEST(Disposition, SaResethandRestoresDefaultAfterOneDelivery) {
  Reset();
  ScopedHandler h(SIGUSR1, Record, SA_SIGINFO | SA_RESETHAND);
  raise(SIGUSR1);
  ASSERT_EQ(g_count, 1);
  struct sigaction now{};
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  // Only the handler is reset; the flags stay as they were.
  EXPECT_TRUE(now.sa_flags & SA_SIGINFO);
}

TEST(Disposition, IgnoringAPendingSignalDiscardsIt) {
  ScopedBlock b({SIGUSR1});
  raise(SIGUSR1);
  sigset_t pend;
  sigpending(&pend);
  ASSERT_TRUE(sigismember(&pend, SIGUSR1));
  {
    ScopedHandler ign(SIGUSR1, SIG_IGN);
    sigpending(&pend);
    EXPECT_FALSE(sigismember(&pend, SIGUSR1));
  }
}

volatile sig_atomic_t g_depth, g_max_depth, g_inner_ran_inside;

TEST(Nesting, UnblockedSignalInterruptsRunningHandler) {
  g_depth = 0;
  g_max_depth = 0;
  g_inner_ran_inside = 0;
  ScopedHandler inner(SIGUSR2, [](int, siginfo_t*, void*) {
    if (g_depth == 1) g_inner_ran_inside = 1;
  });
  ScopedHandler outer(SIGUSR1, [](int, siginfo_t*, void*) {
    g_depth = g_depth + 1;
    raise(SIGUSR2);
    g_depth = g_depth - 1;
  });
  raise(SIGUSR1);
  EXPECT_EQ(g_inner_ran_inside, 1);
}

volatile sig_atomic_t g_runs, g_reentered;

TEST(Nesting, SameSignalWaitsUntilHandlerReturns) {
  g_runs = 0;
  g_reentered = 0;
  g_depth = 0;
  ScopedHandler h(SIGUSR1, [](int, siginfo_t*, void*) {
    if (g_depth) g_reentered = 1;
    g_depth = 1;
    g_runs = g_runs + 1;
    if (g_runs == 1) raise(SIGUSR1);  // blocked: stays pending
    g_depth = 0;
  });
  raise(SIGUSR1);
  EXPECT_EQ(g_runs, 2);
  EXPECT_EQ(g_reentered, 0);
}

alignas(16) char g_altstack[64 * 1024];
volatile uintptr_t g_handler_sp;
stack_t g_ss_in_handler;

TEST(AltStack, InitiallyDisabled) {
  stack_t ss{};
  ASSERT_SYS_OK(sigaltstack(nullptr, &ss));
  EXPECT_EQ(ss.ss_flags, SS_DISABLE);
}

TEST(AltStack, SaOnstackHandlerRunsOnAltStackAndSeesSsOnstack) {
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  stack_t old{};
  ASSERT_SYS_OK(sigaltstack(&ss, &old));
  {
    ScopedHandler h(SIGUSR1, [](int, siginfo_t*, void*) {
      volatile char local = 0;
      g_handler_sp = reinterpret_cast<uintptr_t>(&local);
      sigaltstack(nullptr, &g_ss_in_handler);
    }, SA_SIGINFO | SA_ONSTACK);
    raise(SIGUSR1);
  }
  const auto lo = reinterpret_cast<uintptr_t>(g_altstack);
  EXPECT_GE(g_handler_sp, lo);
  EXPECT_LT(g_handler_sp, lo + sizeof g_altstack);
  EXPECT_EQ(g_ss_in_handler.ss_flags, SS_ONSTACK);
  EXPECT_EQ(g_ss_in_handler.ss_sp, g_altstack);
  stack_t now{};
  sigaltstack(nullptr, &now);
  EXPECT_EQ(now.ss_flags, 0);
  EXPECT_EQ(now.ss_sp, g_altstack);
  EXPECT_EQ(now.ss_size, sizeof g_altstack);
  ss.ss_flags = SS_DISABLE;
  ASSERT_SYS_OK(sigaltstack(&ss, nullptr));
}

TEST(AltStack, HandlerWithoutSaOnstackStaysOnNormalStack) {
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = sizeof g_altstack;
  ASSERT_SYS_OK(sigaltstack(&ss, nullptr));
  {
    ScopedHandler h(SIGUSR1, [](int, siginfo_t*, void*) {
      volatile char local = 0;
      g_handler_sp = reinterpret_cast<uintptr_t>(&local);
    });
    raise(SIGUSR1);
  }
  const auto lo = reinterpret_cast<uintptr_t>(g_altstack);
  EXPECT_TRUE(g_handler_sp < lo || g_handler_sp >= lo + sizeof g_altstack);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
}

TEST(AltStack, TooSmallFailsWithENOMEM) {
  stack_t ss{};
  ss.ss_sp = g_altstack;
  ss.ss_size = 1024;
  EXPECT_ERRNO(ENOMEM, sigaltstack(&ss, nullptr));
  ss.ss_flags = 0x1234;
  ss.ss_size = sizeof g_altstack;
  EXPECT_ERRNO(EINVAL, sigaltstack(&ss, nullptr));
}

TEST(Sigsuspend, ReturnsEintrAfterHandlerAndRestoresMask) {
  Reset();
  ScopedHandler h(SIGUSR1, Record);
  ScopedBlock b({SIGUSR1});
  raise(SIGUSR1);  // pending while blocked
  ASSERT_EQ(g_count, 0);
  sigset_t empty;
  sigemptyset(&empty);
  EXPECT_ERRNO(EINTR, sigsuspend(&empty));
  EXPECT_EQ(g_count, 1);
  // The handler ran with the temporary mask plus its own signal.
  EXPECT_TRUE(sigismember(&g_mask_in_handler, SIGUSR1));
  sigset_t now;
  sigprocmask(SIG_BLOCK, nullptr, &now);
  EXPECT_TRUE(sigismember(&now, SIGUSR1));
}

TEST(Sigsuspend, WakesForSignalFromAnotherProcess) {
  Reset();
  ScopedHandler h(SIGUSR1, Record);
  ScopedBlock b({SIGUSR1});
  const pid_t parent = getpid();
  pid_t pid = ForkChild([parent] {
    SleepMs(30);
    return kill(parent, SIGUSR1);
  });
  sigset_t empty;
  sigemptyset(&empty);
  EXPECT_ERRNO(EINTR, sigsuspend(&empty));
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_info.si_pid, pid);
  WaitPid(pid, nullptr);
}

TEST(Sigtimedwait, ConsumesPendingBlockedSignalWithSiginfo) {
  ScopedBlock b({SIGUSR1});
  sigval v{};
  v.sival_int = 77;
  ASSERT_SYS_OK(sigqueue(getpid(), SIGUSR1, v));
  sigset_t pend;
  sigpending(&pend);
  EXPECT_TRUE(sigismember(&pend, SIGUSR1));
  siginfo_t si{};
  timespec ts{1, 0};
  ASSERT_EQ(sigtimedwait(&b.set(), &si, &ts), SIGUSR1);
  EXPECT_EQ(si.si_signo, SIGUSR1);
  EXPECT_EQ(si.si_code, SI_QUEUE);
  EXPECT_EQ(si.si_pid, getpid());
  EXPECT_EQ(si.si_value.sival_int, 77);
  sigpending(&pend);
  EXPECT_FALSE(sigismember(&pend, SIGUSR1));
}

TEST(Sigtimedwait, TimeoutFailsWithEAGAIN) {
  ScopedBlock b({SIGUSR1});
  timespec ts{0, 20 * 1000000};
  siginfo_t si{};
  EXPECT_ERRNO(EAGAIN, sigtimedwait(&b.set(), &si, &ts));
  timespec zero{0, 0};
  EXPECT_ERRNO(EAGAIN, sigtimedwait(&b.set(), &si, &zero));
  timespec bad{0, 1000000000};
  EXPECT_ERRNO(EINVAL, sigtimedwait(&b.set(), &si, &bad));
}

TEST(Sigtimedwait, OtherHandledSignalInterruptsWithEINTR) {
  Reset();
  ScopedHandler h(SIGALRM, Record);
  ScopedBlock b({SIGUSR1});
  itimerval it{};
  it.it_value.tv_usec = 20000;
  setitimer(ITIMER_REAL, &it, nullptr);
  timespec ts{5, 0};
  EXPECT_ERRNO(EINTR, sigtimedwait(&b.set(), nullptr, &ts));
  EXPECT_EQ(g_count, 1);
}

TEST(Queueing, StandardSignalsCoalesceRealtimeSignalsQueueInOrder) {
  ScopedBlock b({SIGUSR1, SIGRTMIN});
  raise(SIGUSR1);
  raise(SIGUSR1);
  for (int i = 1; i <= 3; ++i) {
    sigval v{};
    v.sival_int = i;
    ASSERT_SYS_OK(sigqueue(getpid(), SIGRTMIN, v));
  }
  timespec zero{0, 0};
  siginfo_t si{};
  // Standard signals are taken before real-time ones (lowest number first).
  ASSERT_EQ(sigtimedwait(&b.set(), &si, &zero), SIGUSR1);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(sigtimedwait(&b.set(), &si, &zero), SIGRTMIN);
    EXPECT_EQ(si.si_value.sival_int, i);
  }
  EXPECT_ERRNO(EAGAIN, sigtimedwait(&b.set(), &si, &zero));
}

TEST(Sigpending, ReportsOnlyBlockedPendingSignals) {
  sigset_t pend;
  ASSERT_SYS_OK(sigpending(&pend));
  EXPECT_FALSE(sigismember(&pend, SIGUSR2));
  ScopedBlock b({SIGUSR2});
  raise(SIGUSR2);
  ASSERT_SYS_OK(sigpending(&pend));
  EXPECT_TRUE(sigismember(&pend, SIGUSR2));
  EXPECT_FALSE(sigismember(&pend, SIGUSR1));
}

// A read from an empty pipe, interrupted by SIGALRM 20 ms in; a child writes
// 100 ms in. With SA_RESTART the read resumes and returns the data.
ssize_t ReadThroughAlarm(int flags, char* c, int* err) {
  Reset();
  ScopedHandler h(SIGALRM, Record, SA_SIGINFO | flags);
  int fds[2];
  if (pipe(fds) != 0) abort();
  pid_t pid = ForkChild([&] {
    SleepMs(100);
    return write(fds[1], "x", 1) == 1 ? 0 : 1;
  });
  itimerval it{};
  it.it_value.tv_usec = 20000;
  setitimer(ITIMER_REAL, &it, nullptr);
  errno = 0;
  ssize_t r = read(fds[0], c, 1);
  *err = errno;
  WaitPid(pid, nullptr);
  close(fds[0]);
  close(fds[1]);
  return r;
}

TEST(Restart, SaRestartResumesPipeRead) {
  char c = 0;
  int err = 0;
  EXPECT_EQ(ReadThroughAlarm(SA_RESTART, &c, &err), 1);
  EXPECT_EQ(c, 'x');
  EXPECT_EQ(g_count, 1);
}

TEST(Restart, WithoutSaRestartPipeReadFailsWithEINTR) {
  char c = 0;
  int err = 0;
  EXPECT_EQ(ReadThroughAlarm(0, &c, &err), -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_EQ(g_count, 1);
}

TEST(Restart, IgnoredSignalDoesNotInterruptRead) {
  ScopedHandler ign(SIGUSR1, SIG_IGN);
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  const pid_t parent = getpid();
  pid_t pid = ForkChild([&] {
    SleepMs(20);
    kill(parent, SIGUSR1);
    SleepMs(30);
    return write(fds[1], "y", 1) == 1 ? 0 : 1;
  });
  char c = 0;
  EXPECT_EQ(read(fds[0], &c, 1), 1);
  EXPECT_EQ(c, 'y');
  WaitPid(pid, nullptr);
  close(fds[0]);
  close(fds[1]);
}

TEST(Restart, NanosleepInterruptedReportsRemainingTime) {
  Reset();
  ScopedHandler h(SIGALRM, Record, SA_SIGINFO | SA_RESTART);
  itimerval it{};
  it.it_value.tv_usec = 20000;
  setitimer(ITIMER_REAL, &it, nullptr);
  timespec req{2, 0}, rem{};
  // nanosleep is never restarted by SA_RESTART.
  EXPECT_ERRNO(EINTR, nanosleep(&req, &rem));
  EXPECT_EQ(g_count, 1);
  EXPECT_TRUE(rem.tv_sec == 1 || rem.tv_sec == 2);
}

}  // namespace
