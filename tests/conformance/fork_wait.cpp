// fork(2), wait4(2)/waitpid and waitid(2): status encodings, WNOHANG,
// ECHILD, the pid / process-group / any-child selectors, waitid's siginfo,
// WNOWAIT, job-control stops and continues, zombies and their automatic
// reaping, SIGCHLD's siginfo, orphan reparenting, kill() of a process group,
// default signal actions.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <fstream>
#include <string>

#include "proc_util.h"

namespace {

using conf::ForkChild;
using conf::SleepMs;
using conf::WaitPid;

// A child that sleeps until it is signalled (bounded, so a bug cannot leak it).
pid_t PausingChild() {
  return ForkChild([] {
    for (int i = 0; i < 500; ++i) SleepMs(10);
    return 99;
  });
}

TEST(Fork, ChildSeesZeroParentSeesChildPid) {
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  const pid_t parent = getpid();
  pid_t pid = ForkChild([&] {
    pid_t info[2] = {getpid(), getppid()};
    return write(fds[1], info, sizeof info) == sizeof info ? 0 : 1;
  });
  ASSERT_GT(pid, 0);
  pid_t info[2] = {};
  ASSERT_EQ(read(fds[0], info, sizeof info), static_cast<ssize_t>(sizeof info));
  EXPECT_EQ(info[0], pid);
  EXPECT_EQ(info[1], parent);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
  close(fds[0]);
  close(fds[1]);
}

TEST(Fork, ChildMemoryIsACopy) {
  volatile int value = 1;
  pid_t pid = ForkChild([&] {
    value = 2;
    return value;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_EQ(WEXITSTATUS(st), 2);
  EXPECT_EQ(value, 1);
}

TEST(Wait, ExitCodeIsReportedInLow8Bits) {
  for (int code : {0, 1, 42, 255, 256 + 7}) {
    pid_t pid = ForkChild([code] { return code; });
    int st = 0;
    ASSERT_EQ(WaitPid(pid, &st), pid);
    EXPECT_TRUE(WIFEXITED(st));
    EXPECT_FALSE(WIFSIGNALED(st));
    EXPECT_EQ(WEXITSTATUS(st), code & 0xff);
  }
}

TEST(Wait, SigtermKillsWithTermsigAndNoCore) {
  pid_t pid = PausingChild();
  ASSERT_SYS_OK(kill(pid, SIGTERM));
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGTERM);
  EXPECT_FALSE(WCOREDUMP(st));
}

TEST(Wait, SigkillKills) {
  pid_t pid = PausingChild();
  ASSERT_SYS_OK(kill(pid, SIGKILL));
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(Wait, DefaultSigusr1TerminatesAndDefaultSigchldIsIgnored) {
  pid_t pid = ForkChild([] {
    signal(SIGUSR1, SIG_DFL);
    raise(SIGCHLD);  // default: ignored
    raise(SIGWINCH);
    raise(SIGUSR1);  // default: terminate
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGUSR1);
}

// With RLIMIT_CORE 0 Linux writes no core file unless core_pattern pipes to
// a program (which ignores the limit); WCOREDUMP says whether it dumped.
bool HostDumpsWithZeroCoreLimit() {
  std::ifstream f("/proc/sys/kernel/core_pattern");
  std::string pattern;
  std::getline(f, pattern);
  return !pattern.empty() && pattern[0] == '|';
}

TEST(Wait, CoreSignalWithZeroCoreLimitReportsWhetherItDumped) {
  const bool expect_core = HostDumpsWithZeroCoreLimit();
  pid_t pid = ForkChild([] {
    rlimit zero{0, 0};
    setrlimit(RLIMIT_CORE, &zero);
    raise(SIGQUIT);
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGQUIT);
  EXPECT_EQ(static_cast<bool>(WCOREDUMP(st)), expect_core);
}

TEST(Wait, NonDumpableProcessNeverReportsCore) {
  pid_t pid = ForkChild([] {
    prctl(PR_SET_DUMPABLE, 0);
    raise(SIGABRT);
    return 0;
  });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGABRT);
  EXPECT_FALSE(WCOREDUMP(st));
}

TEST(Wait, NoChildrenFailsWithECHILD) {
  EXPECT_ERRNO(ECHILD, waitpid(-1, nullptr, 0));
  EXPECT_ERRNO(ECHILD, waitpid(-1, nullptr, WNOHANG));
  siginfo_t si;
  EXPECT_ERRNO(ECHILD, waitid(P_ALL, 0, &si, WEXITED));
}

TEST(Wait, NonChildPidFailsWithECHILD) {
  EXPECT_ERRNO(ECHILD, waitpid(getpid(), nullptr, 0));
  EXPECT_ERRNO(ECHILD, waitpid(getppid(), nullptr, WNOHANG));
}

TEST(Wait, BadOptionsFailWithEINVAL) {
  EXPECT_ERRNO(EINVAL, waitpid(-1, nullptr, 0x100000));
  siginfo_t si;
  EXPECT_ERRNO(EINVAL, waitid(P_ALL, 0, &si, 0));
  EXPECT_ERRNO(EINVAL, waitid(static_cast<idtype_t>(42), 0, &si, WEXITED));
}

TEST(Wait, WnohangReturnsZeroWhileChildRuns) {
  pid_t pid = PausingChild();
  int st = 12345;
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
  EXPECT_EQ(waitpid(-1, &st, WNOHANG), 0);
  kill(pid, SIGKILL);
  ASSERT_EQ(WaitPid(pid, &st), pid);
}

TEST(Wait, SpecificPidWaitsForThatChildOnly) {
  pid_t fast = ForkChild([] { return 1; });
  pid_t slow = ForkChild([] {
    SleepMs(50);
    return 2;
  });
  SleepMs(10);
  int st = 0;
  ASSERT_EQ(WaitPid(slow, &st), slow);
  EXPECT_EQ(WEXITSTATUS(st), 2);
  ASSERT_EQ(WaitPid(fast, &st), fast);
  EXPECT_EQ(WEXITSTATUS(st), 1);
}

TEST(Wait, MinusOneReapsEveryChild) {
  pid_t a = ForkChild([] { return 3; });
  pid_t b = ForkChild([] { return 4; });
  int seen = 0;
  for (int i = 0; i < 2; ++i) {
    int st = 0;
    pid_t r = WaitPid(-1, &st);
    if (r == a) { EXPECT_EQ(WEXITSTATUS(st), 3); seen |= 1; }
    if (r == b) { EXPECT_EQ(WEXITSTATUS(st), 4); seen |= 2; }
  }
  EXPECT_EQ(seen, 3);
  EXPECT_ERRNO(ECHILD, waitpid(-1, nullptr, WNOHANG));
}

TEST(Wait, ProcessGroupSelectorPicksOnlyThatGroup) {
  // `other` moves to its own group; `same` stays in ours.
  pid_t other = ForkChild([] {
    setpgid(0, 0);
    SleepMs(30);
    return 5;
  });
  ASSERT_GT(other, 0);
  setpgid(other, other);  // also from the parent, so the order does not matter
  pid_t same = ForkChild([] {
    SleepMs(60);
    return 6;
  });
  int st = 0;
  // Only `same` is in our group: waitpid(0) must not return `other`.
  ASSERT_EQ(WaitPid(0, &st), same);
  EXPECT_EQ(WEXITSTATUS(st), 6);
  EXPECT_ERRNO(ECHILD, waitpid(0, nullptr, WNOHANG));
  ASSERT_EQ(WaitPid(-other, &st), other);
  EXPECT_EQ(WEXITSTATUS(st), 5);
}

TEST(Wait, NegativePgidWithNoSuchChildrenFailsWithECHILD) {
  pid_t pid = PausingChild();
  EXPECT_ERRNO(ECHILD, waitpid(-pid, nullptr, WNOHANG));  // pid is in our group, not its own
  kill(pid, SIGKILL);
  WaitPid(pid, nullptr);
}

TEST(Waitid, ExitedChildFillsSiginfo) {
  pid_t pid = ForkChild([] { return 7; });
  siginfo_t si;
  memset(&si, 0xff, sizeof si);
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WEXITED));
  EXPECT_EQ(si.si_signo, SIGCHLD);
  EXPECT_EQ(si.si_errno, 0);
  EXPECT_EQ(si.si_code, CLD_EXITED);
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_uid, getuid());
  EXPECT_EQ(si.si_status, 7);
  EXPECT_ERRNO(ECHILD, waitpid(pid, nullptr, WNOHANG));
}

TEST(Waitid, KilledChildReportsCldKilledAndSignal) {
  pid_t pid = PausingChild();
  kill(pid, SIGTERM);
  siginfo_t si{};
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WEXITED));
  EXPECT_EQ(si.si_code, CLD_KILLED);
  EXPECT_EQ(si.si_status, SIGTERM);
  EXPECT_EQ(si.si_pid, pid);
}

TEST(Waitid, WnohangWithNothingToReportZeroesSiPidAndSigno) {
  pid_t pid = PausingChild();
  siginfo_t si;
  memset(&si, 0xff, sizeof si);
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WEXITED | WNOHANG));
  EXPECT_EQ(si.si_pid, 0);
  EXPECT_EQ(si.si_signo, 0);
  kill(pid, SIGKILL);
  WaitPid(pid, nullptr);
}

TEST(Waitid, WnowaitLeavesTheZombieWaitable) {
  pid_t pid = ForkChild([] { return 9; });
  siginfo_t si{};
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT));
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_status, 9);
  memset(&si, 0, sizeof si);
  ASSERT_SYS_OK(waitid(P_ALL, 0, &si, WEXITED | WNOWAIT));
  EXPECT_EQ(si.si_pid, pid);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_EQ(WEXITSTATUS(st), 9);
}

TEST(Waitid, ProcessGroupSelector) {
  pid_t pid = ForkChild([] {
    setpgid(0, 0);
    return 11;
  });
  setpgid(pid, pid);
  siginfo_t si{};
  ASSERT_SYS_OK(waitid(P_PGID, pid, &si, WEXITED));
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_status, 11);
}

TEST(JobControl, StopAndContinueReportedByWaitpid) {
  pid_t pid = PausingChild();
  ASSERT_SYS_OK(kill(pid, SIGSTOP));
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st, WUNTRACED), pid);
  EXPECT_TRUE(WIFSTOPPED(st));
  EXPECT_EQ(WSTOPSIG(st), SIGSTOP);
  // Reported once: a second WUNTRACED wait finds nothing.
  EXPECT_EQ(waitpid(pid, &st, WUNTRACED | WNOHANG), 0);
  ASSERT_SYS_OK(kill(pid, SIGCONT));
  ASSERT_EQ(WaitPid(pid, &st, WCONTINUED), pid);
  EXPECT_TRUE(WIFCONTINUED(st));
  EXPECT_EQ(waitpid(pid, &st, WCONTINUED | WNOHANG), 0);
  kill(pid, SIGKILL);
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(JobControl, StoppedChildIsNotReportedWithoutWuntraced) {
  pid_t pid = PausingChild();
  ASSERT_SYS_OK(kill(pid, SIGSTOP));
  SleepMs(30);
  int st = 0;
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
  // SIGKILL ends a stopped process.
  kill(pid, SIGKILL);
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(JobControl, WaitidReportsStoppedAndContinued) {
  pid_t pid = PausingChild();
  kill(pid, SIGSTOP);
  siginfo_t si{};
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WSTOPPED));
  EXPECT_EQ(si.si_code, CLD_STOPPED);
  EXPECT_EQ(si.si_status, SIGSTOP);
  EXPECT_EQ(si.si_pid, pid);
  kill(pid, SIGCONT);
  memset(&si, 0, sizeof si);
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WCONTINUED));
  EXPECT_EQ(si.si_code, CLD_CONTINUED);
  EXPECT_EQ(si.si_status, SIGCONT);
  kill(pid, SIGKILL);
  WaitPid(pid, nullptr);
}

TEST(JobControl, StoppedChildKeepsSignalsPendingUntilContinued) {
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  pid_t pid = ForkChild([&] {
    struct sigaction sa{};
    sa.sa_handler = [](int) {};  // no SA_RESTART: the read fails with EINTR
    sigaction(SIGUSR1, &sa, nullptr);
    char c = 0;
    // read is interrupted by SIGUSR1 only after SIGCONT.
    ssize_t r = read(fds[0], &c, 1);
    return r == -1 && errno == EINTR ? 0 : 1;
  });
  SleepMs(20);
  kill(pid, SIGSTOP);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st, WUNTRACED), pid);
  kill(pid, SIGUSR1);
  SleepMs(20);
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);  // still stopped, handler not run
  kill(pid, SIGCONT);
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
  close(fds[0]);
  close(fds[1]);
}

TEST(Zombie, StaysUntilWaited) {
  pid_t pid = ForkChild([] { return 0; });
  SleepMs(50);  // it has exited by now
  EXPECT_SYS_OK(kill(pid, 0));  // a zombie still exists
  siginfo_t si{};
  ASSERT_SYS_OK(waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT));
  EXPECT_EQ(si.si_pid, pid);
  ASSERT_EQ(WaitPid(pid, nullptr), pid);
  EXPECT_ERRNO(ESRCH, kill(pid, 0));
}

TEST(Zombie, SigchldIgnoredReapsChildrenAndWaitFailsWithECHILD) {
  conf::ScopedHandler ign(SIGCHLD, SIG_IGN);
  pid_t pid = ForkChild([] {
    SleepMs(20);
    return 0;
  });
  // wait blocks until the child is gone, then finds nothing to report.
  EXPECT_ERRNO(ECHILD, waitpid(pid, nullptr, 0));
  EXPECT_ERRNO(ESRCH, kill(pid, 0));
}

TEST(Zombie, SaNocldwaitReapsChildren) {
  conf::ScopedHandler h(SIGCHLD, SIG_DFL, SA_NOCLDWAIT);
  pid_t pid = ForkChild([] { return 0; });
  EXPECT_ERRNO(ECHILD, waitpid(pid, nullptr, 0));
}

siginfo_t g_chld_info;
volatile sig_atomic_t g_chld_count;

TEST(Sigchld, HandlerGetsChildPidStatusAndCode) {
  g_chld_count = 0;
  conf::ScopedHandler h(SIGCHLD, [](int, siginfo_t* si, void*) {
    g_chld_info = *si;
    g_chld_count = g_chld_count + 1;
  });
  pid_t pid = ForkChild([] { return 5; });
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  for (int i = 0; i < 200 && !g_chld_count; ++i) SleepMs(5);
  ASSERT_EQ(g_chld_count, 1);
  EXPECT_EQ(g_chld_info.si_signo, SIGCHLD);
  EXPECT_EQ(g_chld_info.si_code, CLD_EXITED);
  EXPECT_EQ(g_chld_info.si_pid, pid);
  EXPECT_EQ(g_chld_info.si_uid, getuid());
  EXPECT_EQ(g_chld_info.si_status, 5);
}

TEST(Sigchld, SigtimedwaitSeesKilledChild) {
  conf::ScopedBlock block({SIGCHLD});
  pid_t pid = PausingChild();
  kill(pid, SIGTERM);
  timespec ts{5, 0};
  siginfo_t si{};
  ASSERT_EQ(sigtimedwait(&block.set(), &si, &ts), SIGCHLD);
  EXPECT_EQ(si.si_code, CLD_KILLED);
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_status, SIGTERM);
  WaitPid(pid, nullptr);
}

TEST(Sigchld, StopSendsSigchldUnlessSaNocldstop) {
  conf::ScopedBlock block({SIGCHLD});
  pid_t pid = PausingChild();
  kill(pid, SIGSTOP);
  timespec ts{5, 0};
  siginfo_t si{};
  ASSERT_EQ(sigtimedwait(&block.set(), &si, &ts), SIGCHLD);
  EXPECT_EQ(si.si_code, CLD_STOPPED);
  EXPECT_EQ(si.si_status, SIGSTOP);
  {
    conf::ScopedHandler h(SIGCHLD, [](int) {}, SA_NOCLDSTOP);
    kill(pid, SIGCONT);
    SleepMs(30);
    timespec zero{0, 0};
    EXPECT_ERRNO(EAGAIN, sigtimedwait(&block.set(), &si, &zero));
  }
  kill(pid, SIGKILL);
  WaitPid(pid, nullptr);
}

// The orphaned grandchild reports its parent's pid before and after the
// parent dies through a pipe.
struct OrphanReport {
  pid_t before;
  pid_t after;
};

OrphanReport RunOrphan(pid_t* grandchild) {
  int fds[2];
  if (pipe(fds) != 0) abort();
  pid_t middle = ForkChild([&] {
    pid_t g = ForkChild([&] {
      OrphanReport r{getppid(), 0};
      for (int i = 0; i < 1000 && getppid() == r.before; ++i) SleepMs(2);
      r.after = getppid();
      return write(fds[1], &r, sizeof r) == sizeof r ? 0 : 1;
    });
    if (write(fds[1], &g, sizeof g) != sizeof g) return 1;
    SleepMs(20);
    return 0;  // dies, orphaning g
  });
  pid_t g = 0;
  OrphanReport r{};
  if (read(fds[0], &g, sizeof g) != sizeof g) abort();
  WaitPid(middle, nullptr);
  if (read(fds[0], &r, sizeof r) != sizeof r) abort();
  close(fds[0]);
  close(fds[1]);
  *grandchild = g;
  EXPECT_EQ(r.before, middle);
  return r;
}

TEST(Orphan, ParentPidChangesWhenParentDies) {
  pid_t g = 0;
  OrphanReport r = RunOrphan(&g);
  EXPECT_NE(r.after, r.before);
  EXPECT_GT(r.after, 0);
  // Whether the orphan became ours depends on who the reaper is (under lx
  // this program may be the instance's init); reap it if it did.
  waitpid(g, nullptr, 0);
}

TEST(Orphan, GoesToChildSubreaper) {
  ASSERT_SYS_OK(prctl(PR_SET_CHILD_SUBREAPER, 1));
  pid_t g = 0;
  OrphanReport r = RunOrphan(&g);
  EXPECT_EQ(r.after, getpid());
  int st = 0;
  EXPECT_EQ(WaitPid(g, &st), g);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST(Kill, ProcessGroupReachesEveryMember) {
  pid_t leader = PausingChild();
  ASSERT_SYS_OK(setpgid(leader, leader));
  pid_t member = PausingChild();
  ASSERT_SYS_OK(setpgid(member, leader));
  ASSERT_SYS_OK(kill(-leader, SIGTERM));
  for (pid_t p : {leader, member}) {
    int st = 0;
    ASSERT_EQ(WaitPid(p, &st), p);
    EXPECT_TRUE(WIFSIGNALED(st));
    EXPECT_EQ(WTERMSIG(st), SIGTERM);
  }
  EXPECT_ERRNO(ESRCH, kill(-leader, SIGTERM));
}

TEST(Kill, ZeroSignalOnlyChecksExistence) {
  // A child in our group, so kill(-1) and kill(-pgrp) find someone besides
  // the caller even when it is a pid namespace's only process (under lx the
  // program may be the instance's init, in process group 1).
  pid_t child = PausingChild();
  EXPECT_SYS_OK(kill(child, 0));
  EXPECT_SYS_OK(kill(getpid(), 0));
  EXPECT_SYS_OK(kill(0, 0));
  EXPECT_SYS_OK(kill(-getpgrp(), 0));
  // kill(-1, 0) sends nothing; delivering kill(-1, sig) is not tested since
  // natively it would reach every process of the host.
  EXPECT_SYS_OK(kill(-1, 0));
  EXPECT_ERRNO(EINVAL, kill(getpid(), 65));
  EXPECT_ERRNO(EINVAL, kill(-1, -1));
  EXPECT_ERRNO(ESRCH, kill(0x3ffffff0, 0));
  kill(child, SIGKILL);
  WaitPid(child, nullptr);
}

}  // namespace
