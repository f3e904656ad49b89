// signalfd/signalfd4: argument checks, dequeuing thread- and
// process-directed signals as signalfd_siginfo, masks, readiness, blocking.
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>

#include <thread>

#include "common.h"
#include "proc_util.h"

namespace {

sigset_t Set(std::initializer_list<int> sigs) {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : sigs) sigaddset(&s, sig);
  return s;
}

long RawSignalfd(int fd, const void* mask, size_t size, int flags) {
  return syscall(SYS_signalfd4, fd, mask, size, flags);
}

bool Pending(int sig) {
  sigset_t p;
  sigpending(&p);
  return sigismember(&p, sig) == 1;
}

TEST(Signalfd, ArgumentChecks) {
  sigset_t s = Set({SIGUSR1});
  EXPECT_ERRNO(EINVAL, RawSignalfd(-1, &s, 4, 0));
  EXPECT_ERRNO(EINVAL, RawSignalfd(-1, &s, 16, 0));
  EXPECT_ERRNO(EINVAL, RawSignalfd(-1, &s, 8, 0x1));
  EXPECT_ERRNO(EFAULT, RawSignalfd(-1, conf::kNullPtr, 8, 0));
  // The size is checked before the pointer, the pointer before the flags.
  EXPECT_ERRNO(EINVAL, RawSignalfd(-1, conf::kNullPtr, 4, 0));
  EXPECT_ERRNO(EFAULT, RawSignalfd(-1, conf::kNullPtr, 8, 0x1));
  EXPECT_ERRNO(EBADF, RawSignalfd(1000, &s, 8, 0));
  ScopedFd other(open("/dev/null", O_RDONLY));
  EXPECT_ERRNO(EINVAL, RawSignalfd(other, &s, 8, 0));
  EXPECT_ERRNO(EINVAL, syscall(SYS_signalfd, -1, &s, 4));
}

TEST(Signalfd, Flags) {
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK));
  ASSERT_GE(fd.get(), 0);
  EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
  ScopedFd plain(static_cast<int>(syscall(SYS_signalfd, -1, &s, 8)));
  ASSERT_GE(plain.get(), 0);
  EXPECT_EQ(fcntl(plain, F_GETFD), 0);
}

TEST(Signalfd, EmptyNonblockingReadFailsWithEAGAINAndShortBufferWithEINVAL) {
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  signalfd_siginfo si;
  EXPECT_ERRNO(EAGAIN, read(fd, &si, sizeof si));
  EXPECT_ERRNO(EINVAL, read(fd, &si, sizeof si - 1));
}

TEST(Signalfd, ReadDequeuesAThreadDirectedSignal) {
  conf::ScopedBlock block({SIGUSR1});
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
  ASSERT_TRUE(Pending(SIGUSR1));
  signalfd_siginfo si{};
  ASSERT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR1));
  EXPECT_EQ(si.ssi_code, SI_TKILL);
  EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getpid()));
  EXPECT_EQ(si.ssi_uid, getuid());
  EXPECT_FALSE(Pending(SIGUSR1));
  EXPECT_ERRNO(EAGAIN, read(fd, &si, sizeof si));
}

TEST(Signalfd, ReadDequeuesAProcessDirectedSignal) {
  conf::ScopedBlock block({SIGUSR2});
  sigset_t s = Set({SIGUSR2});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(kill(getpid(), SIGUSR2));
  signalfd_siginfo si{};
  ASSERT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR2));
  EXPECT_EQ(si.ssi_code, SI_USER);
  EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(getpid()));
  EXPECT_FALSE(Pending(SIGUSR2));
}

TEST(Signalfd, SigqueueValueArrives) {
  conf::ScopedBlock block({SIGRTMIN});
  sigset_t s = Set({SIGRTMIN});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(sigqueue(getpid(), SIGRTMIN, sigval{.sival_int = 1234}));
  ASSERT_SYS_OK(sigqueue(getpid(), SIGRTMIN, sigval{.sival_int = 5678}));
  signalfd_siginfo si[3]{};
  // Real-time signals queue: both instances come out, in order, in one read.
  ASSERT_EQ(read(fd, si, sizeof si), static_cast<ssize_t>(2 * sizeof si[0]));
  EXPECT_EQ(si[0].ssi_code, SI_QUEUE);
  EXPECT_EQ(si[0].ssi_int, 1234);
  EXPECT_EQ(si[1].ssi_int, 5678);
}

TEST(Signalfd, OnlySignalsInTheMaskAreRead) {
  conf::ScopedBlock block({SIGUSR1, SIGUSR2});
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(kill(getpid(), SIGUSR2));
  signalfd_siginfo si;
  EXPECT_ERRNO(EAGAIN, read(fd, &si, sizeof si));
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  EXPECT_TRUE(Pending(SIGUSR2));
  // Changing the mask of the existing fd returns that fd and takes effect.
  sigset_t both = Set({SIGUSR1, SIGUSR2});
  EXPECT_EQ(signalfd(fd, &both, 0), fd.get());
  EXPECT_EQ(poll(&p, 1, 0), 1);
  ASSERT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR2));
}

TEST(Signalfd, SeveralSignalsInOneRead) {
  conf::ScopedBlock block({SIGUSR1, SIGUSR2});
  sigset_t s = Set({SIGUSR1, SIGUSR2});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(kill(getpid(), SIGUSR2));
  ASSERT_SYS_OK(kill(getpid(), SIGUSR1));
  signalfd_siginfo si[4]{};
  ASSERT_EQ(read(fd, si, sizeof si), static_cast<ssize_t>(2 * sizeof si[0]));
  EXPECT_EQ(si[0].ssi_signo, static_cast<uint32_t>(SIGUSR1));  // lowest number first
  EXPECT_EQ(si[1].ssi_signo, static_cast<uint32_t>(SIGUSR2));
}

TEST(Signalfd, PollSeesASignalBecomePending) {
  conf::ScopedBlock block({SIGUSR1});
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  pollfd p{fd, POLLIN | POLLOUT, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
  ASSERT_SYS_OK(raise(SIGUSR1));
  ASSERT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLIN);
}

TEST(SignalfdProcesses, BlockingPollWakesWhenAnotherProcessSignals) {
  conf::ScopedBlock block({SIGUSR1});
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, 0));
  const pid_t parent = getpid();
  pid_t child = conf::ForkChild([&] {
    conf::SleepMs(50);
    return kill(parent, SIGUSR1) == 0 ? 0 : 1;
  });
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 20000), 1);
  signalfd_siginfo si{};
  ASSERT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(child));
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
}

TEST(SignalfdProcesses, ChildExitIsReadAsSIGCHLD) {
  conf::ScopedBlock block({SIGCHLD});
  sigset_t s = Set({SIGCHLD});
  ScopedFd fd(signalfd(-1, &s, 0));
  pid_t child = conf::ForkChild([] { return 7; });
  signalfd_siginfo si{};
  ASSERT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));  // blocks until the exit
  EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGCHLD));
  EXPECT_EQ(si.ssi_code, CLD_EXITED);
  EXPECT_EQ(si.ssi_pid, static_cast<uint32_t>(child));
  EXPECT_EQ(si.ssi_status, 7);
  int status = 0;
  ASSERT_EQ(conf::WaitPid(child, &status), child);
}

TEST(SignalfdThreads, BlockingReadWakesOnSignalFromAThread) {
  conf::ScopedBlock block({SIGUSR2});
  sigset_t s = Set({SIGUSR2});
  ScopedFd fd(signalfd(-1, &s, 0));
  const pthread_t self = pthread_self();
  std::thread sender([&] {
    conf::SleepMs(50);
    pthread_kill(self, SIGUSR2);
  });
  signalfd_siginfo si{};
  EXPECT_EQ(read(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
  EXPECT_EQ(si.ssi_signo, static_cast<uint32_t>(SIGUSR2));
  sender.join();
}

TEST(SignalfdThreads, AThreadCannotReadAnotherThreadsSignal) {
  conf::ScopedBlock block({SIGUSR1});
  sigset_t s = Set({SIGUSR1});
  ScopedFd fd(signalfd(-1, &s, SFD_NONBLOCK));
  ASSERT_SYS_OK(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
  std::thread other([&] {
    signalfd_siginfo si;
    EXPECT_ERRNO(EAGAIN, read(fd, &si, sizeof si));
  });
  other.join();
  EXPECT_TRUE(Pending(SIGUSR1));
}

}  // namespace
