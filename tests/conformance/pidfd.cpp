// pidfds: pidfd_open, pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD),
// CLONE_PIDFD, and a pidfd's readiness when its process exits.
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "proc_util.h"

using conf::ForkChild;
using conf::WaitPid;

namespace {

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
constexpr unsigned kPidfdNonblock = O_NONBLOCK;

int PidfdOpen(pid_t pid, unsigned flags) { return static_cast<int>(syscall(SYS_pidfd_open, pid, flags)); }
int PidfdSendSignal(int fd, int sig, siginfo_t* info, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, fd, sig, info, flags));
}
int PidfdGetfd(int fd, int target, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_getfd, fd, target, flags));
}

// A child that waits until killed (or until the pipe closes).
struct SleepingChild {
  pid_t pid = -1;
  int release = -1;  // closing it lets the child exit 7
  SleepingChild() {
    int p[2];
    if (pipe(p) != 0) return;
    pid = ForkChild([&] {
      close(p[1]);
      char c;
      (void)!read(p[0], &c, 1);
      return 7;
    });
    close(p[0]);
    release = p[1];
  }
  ~SleepingChild() {
    if (release >= 0) close(release);
    if (pid > 0) WaitPid(pid, nullptr, __WALL);
  }
  void Release() {
    close(release);
    release = -1;
  }
};

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

}  // namespace

TEST(PidfdOpen, BadFlagsAndPidsAreEINVAL) {
  EXPECT_ERRNO(EINVAL, PidfdOpen(getpid(), 0x80000000u));
  EXPECT_ERRNO(EINVAL, PidfdOpen(0, 0));
  EXPECT_ERRNO(EINVAL, PidfdOpen(-1, 0));
}

TEST(PidfdOpen, ReapedProcessIsESRCH) {
  pid_t pid = ForkChild([] { return 0; });
  ASSERT_EQ(pid, WaitPid(pid, nullptr));
  EXPECT_ERRNO(ESRCH, PidfdOpen(pid, 0));
}

TEST(PidfdOpen, IsCloseOnExecAndReadWrite) {
  int fd = PidfdOpen(getpid(), 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
  EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
  int nb = PidfdOpen(getpid(), kPidfdNonblock);
  ASSERT_GE(nb, 0);
  EXPECT_TRUE(fcntl(nb, F_GETFL) & O_NONBLOCK);
  close(nb);
  close(fd);
}

TEST(PidfdPoll, BecomesReadableWhenTheChildExits) {
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, 0);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(Readable(fd, 0));
  c.Release();
  EXPECT_TRUE(Readable(fd, 10000));
  close(fd);
}

TEST(PidfdWaitid, ReportsTheChildsExitStatus) {
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, 0);
  ASSERT_GE(fd, 0);
  c.Release();
  siginfo_t info{};
  ASSERT_EQ(0, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED));
  EXPECT_EQ(SIGCHLD, info.si_signo);
  EXPECT_EQ(CLD_EXITED, info.si_code);
  EXPECT_EQ(7, info.si_status);
  EXPECT_EQ(c.pid, info.si_pid);
  c.pid = -1;  // reaped
  // Reaped: nothing left to wait for through this pidfd.
  EXPECT_ERRNO(ECHILD, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED | WNOHANG));
  close(fd);
}

TEST(PidfdWaitid, NonblockingPidfdIsEAGAINWhileRunning) {
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, kPidfdNonblock);
  ASSERT_GE(fd, 0);
  siginfo_t info{};
  EXPECT_ERRNO(EAGAIN, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED));
  // WNOHANG keeps its usual meaning: 0 and an empty siginfo.
  info.si_pid = 1234;
  EXPECT_EQ(0, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info, WEXITED | WNOHANG));
  EXPECT_EQ(0, info.si_pid);
  close(fd);
}

TEST(PidfdWaitid, NotAPidfdIsEBADF) {
  siginfo_t info{};
  int p[2];
  ASSERT_EQ(0, pipe(p));
  EXPECT_ERRNO(EBADF, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(p[0]), &info, WEXITED | WNOHANG));
  EXPECT_ERRNO(EBADF, waitid(static_cast<idtype_t>(P_PIDFD), 999, &info, WEXITED | WNOHANG));
  close(p[0]);
  close(p[1]);
}

TEST(PidfdSendSignal, KillsTheChild) {
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, PidfdSendSignal(fd, SIGTERM, nullptr, 0));
  int status = 0;
  ASSERT_EQ(c.pid, WaitPid(c.pid, &status));
  c.pid = -1;
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(SIGTERM, WTERMSIG(status));
  // The process is gone: the pidfd still names it, so nothing else is hit.
  EXPECT_ERRNO(ESRCH, PidfdSendSignal(fd, SIGTERM, nullptr, 0));
  close(fd);
}

TEST(PidfdSendSignal, SignalZeroChecksExistenceAndZombiesStillExist) {
  pid_t pid = ForkChild([] { return 0; });
  int fd = PidfdOpen(pid, 0);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(Readable(fd, 10000));  // a zombie now
  EXPECT_EQ(0, PidfdSendSignal(fd, 0, nullptr, 0));
  ASSERT_EQ(pid, WaitPid(pid, nullptr));
  EXPECT_ERRNO(ESRCH, PidfdSendSignal(fd, 0, nullptr, 0));
  close(fd);
}

TEST(PidfdSendSignal, BadArgumentsAreRefused) {
  int self = PidfdOpen(getpid(), 0);
  ASSERT_GE(self, 0);
  EXPECT_ERRNO(EINVAL, PidfdSendSignal(self, 0, nullptr, 0x80));
  EXPECT_ERRNO(EINVAL, PidfdSendSignal(self, 65, nullptr, 0));
  EXPECT_ERRNO(EFAULT, PidfdSendSignal(self, 0, static_cast<siginfo_t*>(conf::kOnePtr), 0));
  int p[2];
  ASSERT_EQ(0, pipe(p));
  EXPECT_ERRNO(EBADF, PidfdSendSignal(p[0], 0, nullptr, 0));
  EXPECT_ERRNO(EBADF, PidfdSendSignal(-1, 0, nullptr, 0));
  close(p[0]);
  close(p[1]);
  // A siginfo whose signo disagrees with sig is EINVAL.
  siginfo_t info{};
  info.si_signo = SIGUSR2;
  info.si_code = SI_QUEUE;
  EXPECT_ERRNO(EINVAL, PidfdSendSignal(self, SIGUSR1, &info, 0));
  close(self);
}

TEST(PidfdSendSignal, ForgedKernelSiCodeForAnotherProcessIsEPERM) {
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, 0);
  ASSERT_GE(fd, 0);
  siginfo_t info{};
  info.si_signo = SIGUSR1;
  info.si_code = SI_USER;  // >= 0: only the kernel and kill() may claim it
  EXPECT_ERRNO(EPERM, PidfdSendSignal(fd, SIGUSR1, &info, 0));
  close(fd);
}

TEST(PidfdGetfd, DuplicatesAnotherProcesssDescriptor) {
  int p[2];
  ASSERT_EQ(0, pipe(p));
  SleepingChild c;
  ASSERT_GT(c.pid, 0);
  int fd = PidfdOpen(c.pid, 0);
  ASSERT_GE(fd, 0);
  // The child inherited p[1]: writing to our copy of its fd reaches p[0].
  int got = PidfdGetfd(fd, p[1], 0);
  ASSERT_GE(got, 0);
  EXPECT_EQ(FD_CLOEXEC, fcntl(got, F_GETFD));
  ASSERT_EQ(1, write(got, "x", 1));
  char ch = 0;
  ASSERT_EQ(1, read(p[0], &ch, 1));
  EXPECT_EQ('x', ch);
  EXPECT_ERRNO(EBADF, PidfdGetfd(fd, 999, 0));
  EXPECT_ERRNO(EINVAL, PidfdGetfd(fd, p[1], 1));
  close(got);
  close(fd);
  close(p[0]);
  close(p[1]);
}

TEST(ClonePidfd, Clone3ReturnsAPidfdForTheChild) {
  int pidfd = -1;
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) _exit(3);
  ASSERT_GT(pid, 0);
  ASSERT_GE(pidfd, 0);
  EXPECT_EQ(FD_CLOEXEC, fcntl(pidfd, F_GETFD));
  siginfo_t info{};
  ASSERT_EQ(0, waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED));
  EXPECT_EQ(pid, info.si_pid);
  EXPECT_EQ(3, info.si_status);
  close(pidfd);
}

TEST(ClonePidfd, BadPidfdPointerFailsTheCloneWithEFAULT) {
  clone_args args{};
  args.flags = CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(conf::kOnePtr);
  args.exit_signal = SIGCHLD;
  errno = 0;
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) _exit(0);
  EXPECT_EQ(-1, pid);
  EXPECT_EQ(EFAULT, errno);
}

TEST(ClonePidfd, CloneWithParentSettidIsEINVAL) {
  int pidfd = -1;
  // clone(2) puts the pidfd where the parent tid would go, so both at once is EINVAL.
  errno = 0;
  long r = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, nullptr, &pidfd, nullptr, 0);
  if (r == 0) _exit(0);
  EXPECT_EQ(-1, r);
  EXPECT_EQ(EINVAL, errno);
}
