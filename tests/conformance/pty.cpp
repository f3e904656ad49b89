// Pseudo-terminals: posix_openpt/grantpt/unlockpt/ptsname, the line
// discipline (canonical lines, echo, erase/kill/werase, EOF, ICRNL, ONLCR,
// raw VMIN/VTIME), terminal ioctls, and job control across forked
// children: ^C/^\/^Z to the foreground group, SIGWINCH, SIGTTIN for a
// background read, tcgetpgrp/tcsetpgrp rules, and hang-up on close;
// /proc/PID/stat's tty_nr and tpgid.
#include "common.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>

#include <cstdio>
#include <string>

#include "proc_util.h"

using namespace conf;

namespace {

constexpr int kTimeoutMs = 10000;

// A master with its slave opened O_NOCTTY (so the test process never
// acquires it as a controlling terminal).
struct PtyPair {
  int master = -1;
  int slave = -1;
  std::string name;

  PtyPair() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return;
    char buf[64];
    if (ptsname_r(master, buf, sizeof buf) != 0) return;
    name = buf;
    slave = open(buf, O_RDWR | O_NOCTTY);
  }
  ~PtyPair() {
    if (slave >= 0) close(slave);
    if (master >= 0) close(master);
  }
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;
  bool ok() const { return master >= 0 && slave >= 0; }
};

void Put(int fd, const std::string& s) {
  ASSERT_EQ(static_cast<ssize_t>(s.size()), write(fd, s.data(), s.size())) << strerror(errno);
}

// What arrives on fd until `want` bytes are there or nothing more comes
// within the timeout.
std::string ReadUpTo(int fd, size_t want, int timeout_ms = kTimeoutMs) {
  std::string out;
  while (out.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0 || !(p.revents & POLLIN)) break;
    char buf[256];
    ssize_t n = read(fd, buf, std::min(sizeof buf, want - out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One read(2) of the slave after poll says it is readable.
std::string ReadLine(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, kTimeoutMs) != 1) return "<timeout>";
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) return "<error>";
  return std::string(buf, static_cast<size_t>(n));
}

void SetLflag(int fd, tcflag_t on, tcflag_t off) {
  termios t{};
  ASSERT_EQ(0, tcgetattr(fd, &t));
  t.c_lflag = (t.c_lflag | on) & ~off;
  ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));
}

// A child that makes the slave its controlling terminal in a new session,
// says so on `ready`, then runs body(fd) and exits with its result.
// The child keeps no copy of the pair's fds (the master's last close must
// be the parent's) and dumps no core (SIGQUIT).
template <typename F>
pid_t SessionChild(const PtyPair& p, int ready_fd, F body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  close(p.master);
  close(p.slave);
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (setsid() < 0) _exit(90);
  int fd = open(p.name.c_str(), O_RDWR);  // a session leader's first tty becomes its terminal
  if (fd < 0) _exit(91);
  if (tcgetpgrp(fd) != getpid()) _exit(92);
  char c = 1;
  if (write(ready_fd, &c, 1) != 1) _exit(93);
  _exit(body(fd));
}

bool WaitReady(int fd) {
  pollfd p{fd, POLLIN, 0};
  char c;
  return poll(&p, 1, kTimeoutMs) == 1 && read(fd, &c, 1) == 1;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) {
      r = p[0];
      w = p[1];
    }
  }
  ~Pipe() {
    close(r);
    close(w);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// Waits (bounded) for pid to end or stop; kills it if it did neither.
int WaitChild(pid_t pid, int options = 0) {
  int status = 0;
  if (WaitPidWithin(pid, &status, options, kTimeoutMs) != pid) {
    kill(pid, SIGKILL);
    WaitPid(pid, &status);
    return -1;
  }
  return status;
}

}  // namespace

TEST(PtyOpen, PtsnameNamesAnUnlockedSlave) {
  PtyPair p;
  ASSERT_TRUE(p.ok()) << strerror(errno);
  EXPECT_EQ(0u, p.name.rfind("/dev/pts/", 0));
  int n = -1;
  ASSERT_EQ(0, ioctl(p.master, TIOCGPTN, &n));
  EXPECT_EQ("/dev/pts/" + std::to_string(n), p.name);
  struct stat st{};
  ASSERT_EQ(0, stat(p.name.c_str(), &st));
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(136u, major(st.st_rdev));
  EXPECT_EQ(static_cast<unsigned>(n), minor(st.st_rdev));
  EXPECT_EQ(getuid(), st.st_uid);
  EXPECT_TRUE(isatty(p.master));
  EXPECT_TRUE(isatty(p.slave));
}

TEST(PtyOpen, LockedSlaveIsEIO) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  ASSERT_GE(m, 0);
  int locked = 0;
  ASSERT_EQ(0, ioctl(m, TIOCGPTLCK, &locked));
  EXPECT_EQ(1, locked);
  char name[64];
  ASSERT_EQ(0, ptsname_r(m, name, sizeof name));
  EXPECT_ERRNO(EIO, open(name, O_RDWR | O_NOCTTY));
  ASSERT_EQ(0, unlockpt(m));
  int s = open(name, O_RDWR | O_NOCTTY);
  EXPECT_GE(s, 0);
  close(s);
  close(m);
}

TEST(PtyOpen, MasterOnlyIoctlsOnSlaveAreENOTTY) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  int n;
  EXPECT_ERRNO(ENOTTY, ioctl(p.slave, TIOCGPTN, &n));
  {
    int fd = open("/dev/null", O_RDWR);
    EXPECT_ERRNO(ENOTTY, ioctl(fd, TIOCGPTN, &n));
    EXPECT_ERRNO(ENOTTY, ioctl(fd, TCGETS, &n));
    close(fd);
  }
}

TEST(PtyOpen, BadPointersAreEFAULT) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  EXPECT_ERRNO(EFAULT, ioctl(p.master, TCGETS, kNullPtr));
  EXPECT_ERRNO(EFAULT, ioctl(p.master, TIOCGPTN, kNullPtr));
  EXPECT_ERRNO(EFAULT, ioctl(p.slave, TIOCGWINSZ, kKernelPtr));
  EXPECT_ERRNO(EFAULT, ioctl(p.slave, TCSETS, kNullPtr));
}

TEST(PtyOpen, AppearsInDevpts) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  struct stat st{};
  ASSERT_EQ(0, stat(p.name.c_str(), &st));
  const std::string gone = p.name;
  close(p.slave);
  p.slave = -1;
  close(p.master);
  p.master = -1;
  EXPECT_ERRNO(ENOENT, stat(gone.c_str(), &st));
}

TEST(PtyCanonical, ReadsOneLine) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "hello\nworld\n");
  EXPECT_EQ("hello\n", ReadLine(p.slave));
  EXPECT_EQ("world\n", ReadLine(p.slave));
}

TEST(PtyCanonical, PartialLineIsNotReadable) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "abc");
  pollfd pf{p.slave, POLLIN, 0};
  EXPECT_EQ(0, poll(&pf, 1, 50));
  int avail = -1;
  ASSERT_EQ(0, ioctl(p.slave, FIONREAD, &avail));
  EXPECT_EQ(0, avail);
  ASSERT_EQ(0, fcntl(p.slave, F_SETFL, O_NONBLOCK));
  char buf[8];
  EXPECT_ERRNO(EAGAIN, read(p.slave, buf, sizeof buf));
  Put(p.master, "\n");
  // Linux hands input to the line discipline asynchronously: wait for it.
  pf.revents = 0;
  ASSERT_EQ(1, poll(&pf, 1, kTimeoutMs));
  ASSERT_EQ(0, ioctl(p.slave, FIONREAD, &avail));
  EXPECT_EQ(4, avail);
  EXPECT_EQ("abc\n", ReadLine(p.slave));
}

TEST(PtyCanonical, EchoesWithOnlcr) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "hi\n");
  EXPECT_EQ("hi\r\n", ReadUpTo(p.master, 4));
  EXPECT_EQ("hi\n", ReadLine(p.slave));
}

TEST(PtyCanonical, NoEchoWithoutECHO) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  SetLflag(p.slave, 0, ECHO);
  Put(p.master, "secret\n");
  EXPECT_EQ("secret\n", ReadLine(p.slave));
  EXPECT_EQ("", ReadUpTo(p.master, 1, 100));
}

TEST(PtyCanonical, EraseRemovesOneCharacter) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "abx\x7f" "c\n");
  EXPECT_EQ("abc\n", ReadLine(p.slave));
  EXPECT_EQ("abx\b \bc\r\n", ReadUpTo(p.master, 9));
}

TEST(PtyCanonical, KillAndWordErase) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  SetLflag(p.slave, 0, ECHO);
  Put(p.master, "junk\x15" "xy\n");
  EXPECT_EQ("xy\n", ReadLine(p.slave));
  Put(p.master, "foo bar\x17" "baz\n");
  EXPECT_EQ("foo baz\n", ReadLine(p.slave));
}

TEST(PtyCanonical, EofEndsLineOrReadsZero) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "ab\x04");
  EXPECT_EQ("ab", ReadLine(p.slave));
  Put(p.master, "\x04");
  EXPECT_EQ("", ReadLine(p.slave));
}

TEST(PtyCanonical, IcrnlMapsCarriageReturn) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.master, "a\r");
  EXPECT_EQ("a\n", ReadLine(p.slave));
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  t.c_iflag &= ~ICRNL;
  ASSERT_EQ(0, tcsetattr(p.slave, TCSANOW, &t));
  Put(p.master, "b\r\n");
  EXPECT_EQ("b\r\n", ReadLine(p.slave));
}

TEST(PtyOutput, OnlcrOnSlaveWrites) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.slave, "x\n");
  EXPECT_EQ("x\r\n", ReadUpTo(p.master, 3));
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  t.c_oflag &= ~ONLCR;
  ASSERT_EQ(0, tcsetattr(p.slave, TCSANOW, &t));
  Put(p.slave, "y\n");
  EXPECT_EQ("y\n", ReadUpTo(p.master, 2));
}

TEST(PtyTermios, DefaultsAndRoundTrip) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  EXPECT_TRUE(t.c_lflag & ICANON);
  EXPECT_TRUE(t.c_lflag & ECHO);
  EXPECT_TRUE(t.c_lflag & ISIG);
  EXPECT_TRUE(t.c_iflag & ICRNL);
  EXPECT_TRUE(t.c_oflag & ONLCR);
  EXPECT_EQ(3, t.c_cc[VINTR]);
  EXPECT_EQ(0177, t.c_cc[VERASE]);
  EXPECT_EQ(4, t.c_cc[VEOF]);
  // The master sees (and sets) the slave's termios.
  termios m{};
  ASSERT_EQ(0, tcgetattr(p.master, &m));
  EXPECT_EQ(t.c_lflag, m.c_lflag);
  m.c_lflag &= ~ECHO;
  ASSERT_EQ(0, tcsetattr(p.master, TCSANOW, &m));
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  EXPECT_FALSE(t.c_lflag & ECHO);
}

TEST(PtyRaw, VminOneReturnsWhatIsThere) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  t.c_lflag &= ~(ICANON | ECHO);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  ASSERT_EQ(0, tcsetattr(p.slave, TCSANOW, &t));
  Put(p.master, "xyz");
  EXPECT_EQ("xyz", ReadLine(p.slave));
}

TEST(PtyRaw, VminZeroReturnsAtOnce) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  t.c_lflag &= ~(ICANON | ECHO);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  ASSERT_EQ(0, tcsetattr(p.slave, TCSANOW, &t));
  char buf[8];
  EXPECT_EQ(0, read(p.slave, buf, sizeof buf));  // blocking descriptor, nothing there
  Put(p.master, "q");
  pollfd pf{p.slave, POLLIN, 0};
  ASSERT_EQ(1, poll(&pf, 1, kTimeoutMs));
  EXPECT_EQ(1, read(p.slave, buf, sizeof buf));
}

TEST(PtyIoctl, WinsizeRoundTrip) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  winsize w{24, 80, 0, 0};
  ASSERT_EQ(0, ioctl(p.master, TIOCSWINSZ, &w));
  winsize got{};
  ASSERT_EQ(0, ioctl(p.slave, TIOCGWINSZ, &got));
  EXPECT_EQ(24, got.ws_row);
  EXPECT_EQ(80, got.ws_col);
}

TEST(PtyIoctl, FlushAndFlowControl) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  SetLflag(p.slave, 0, ECHO);
  Put(p.master, "dropped\n");
  ASSERT_EQ(0, tcflush(p.slave, TCIFLUSH));
  int avail = -1;
  ASSERT_EQ(0, ioctl(p.slave, FIONREAD, &avail));
  EXPECT_EQ(0, avail);
  EXPECT_ERRNO(EINVAL, ioctl(p.slave, TCFLSH, 7));
  EXPECT_EQ(0, tcflow(p.slave, TCOON));
  EXPECT_ERRNO(EINVAL, ioctl(p.slave, TCXONC, 9));
  EXPECT_EQ(0, tcdrain(p.slave));
  int outq = -1;
  EXPECT_EQ(0, ioctl(p.slave, TIOCOUTQ, &outq));
}

TEST(PtyIoctl, PgrpOfTerminalWeDoNotControlIsENOTTY) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  int pg = getpgrp();
  EXPECT_ERRNO(ENOTTY, tcgetpgrp(p.slave));
  EXPECT_ERRNO(ENOTTY, tcsetpgrp(p.slave, pg));
  EXPECT_ERRNO(ENOTTY, tcgetsid(p.slave));
  // The master reports the slave's (empty) foreground group.
  EXPECT_EQ(0, tcgetpgrp(p.master));
}

TEST(PtyHangup, MasterCloseGivesSlaveEofAndEIO) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  close(p.master);
  p.master = -1;
  char buf[4];
  EXPECT_EQ(0, read(p.slave, buf, sizeof buf));
  EXPECT_ERRNO(EIO, write(p.slave, "x", 1));
  pollfd pf{p.slave, POLLIN, 0};
  ASSERT_EQ(1, poll(&pf, 1, 0));
  EXPECT_TRUE(pf.revents & POLLHUP);
}

TEST(PtyHangup, SlaveCloseGivesMasterEIOAfterData) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Put(p.slave, "bye");
  close(p.slave);
  p.slave = -1;
  EXPECT_EQ("bye", ReadUpTo(p.master, 3));
  char buf[4];
  EXPECT_ERRNO(EIO, read(p.master, buf, sizeof buf));
  pollfd pf{p.master, POLLIN, 0};
  ASSERT_EQ(1, poll(&pf, 1, 0));
  EXPECT_TRUE(pf.revents & POLLHUP);
}

TEST(PtyJobControl, InterruptCharacterSignalsForegroundGroup) {
  for (auto [ch, sig] : {std::pair{'\x03', SIGINT}, std::pair{'\x1c', SIGQUIT}}) {
    PtyPair p;
    ASSERT_TRUE(p.ok());
    Pipe ready;
    pid_t pid = SessionChild(p, ready.w, [](int) {
      for (;;) pause();
      return 0;
    });
    ASSERT_TRUE(WaitReady(ready.r));
    Put(p.master, std::string(1, ch));
    int status = WaitChild(pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << status;
    EXPECT_EQ(sig, WTERMSIG(status));
    EXPECT_EQ(std::string("^") + static_cast<char>(ch ^ 0100), ReadUpTo(p.master, 2));
  }
}

// The stopped job must not be an orphaned group (those ignore SIGTSTP), so
// it is a child of the session leader in a group of its own, as a shell
// runs a foreground job.
TEST(PtyJobControl, SuspendCharacterStopsForegroundJob) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready, job_ready;
  const int job_ready_w = job_ready.w;
  pid_t pid = SessionChild(p, ready.w, [job_ready_w](int fd) {
    signal(SIGTTOU, SIG_IGN);
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      for (;;) pause();
    }
    setpgid(job, job);
    if (tcsetpgrp(fd, job) != 0) return 1;
    char c = 1;
    if (write(job_ready_w, &c, 1) != 1) return 2;
    int st = 0;
    pid_t r = WaitPidWithin(job, &st, WUNTRACED, 10000);
    kill(job, SIGKILL);
    waitpid(job, nullptr, 0);
    if (r != job) return 3;
    return WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP ? 0 : 4;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  ASSERT_TRUE(WaitReady(job_ready.r));
  Put(p.master, "\x1a");
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, WinsizeChangeSendsSigwinch) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  // Blocked before fork, so the signal waits for sigtimedwait.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  sigprocmask(SIG_BLOCK, &set, &old);
  pid_t pid = SessionChild(p, ready.w, [&](int) {
    timespec ts{10, 0};
    return sigtimedwait(&set, nullptr, &ts) == SIGWINCH ? 0 : 1;
  });
  sigprocmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(WaitReady(ready.r));
  winsize w{40, 100, 0, 0};
  ASSERT_EQ(0, ioctl(p.master, TIOCSWINSZ, &w));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, SessionLeaderControlsTerminal) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    if (tcgetsid(fd) != getpid()) return 1;
    // Already ours: TIOCSCTTY again is a no-op.
    if (ioctl(fd, TIOCSCTTY, 0) != 0) return 2;
    // /dev/tty is now this terminal.
    int t = open("/dev/tty", O_RDWR);
    if (t < 0) return 3;
    if (tcgetpgrp(t) != getpid()) return 4;
    close(t);
    return 0;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, TiocscttyRules) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  const std::string name = p.name;
  pid_t pid = SessionChild(p, ready.w, [&](int) {
    // A child that is not a session leader may not take a terminal.
    pid_t c = fork();
    if (c == 0) {
      int fd = open(name.c_str(), O_RDWR | O_NOCTTY);
      if (fd < 0) _exit(10);
      _exit(ioctl(fd, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 11);
    }
    int st = 0;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st)) return 20;
    return WEXITSTATUS(st);
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, TcsetpgrpMovesForegroundWithinSession) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    // Shells ignore SIGTTOU so they can give the terminal away and back.
    signal(SIGTTOU, SIG_IGN);
    Pipe go;
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      char c;
      (void)!read(go.r, &c, 1);
      _exit(0);
    }
    setpgid(job, job);
    int rc = 0;
    if (tcsetpgrp(fd, job) != 0) rc = 1;
    else if (tcgetpgrp(fd) != job) rc = 2;
    else if (tcsetpgrp(fd, -1) != -1 || errno != EINVAL) rc = 3;
    else if (tcsetpgrp(fd, 0x3fffff0) != -1 || errno != ESRCH) rc = 4;
    else if (tcsetpgrp(fd, getpid()) != 0) rc = 5;
    else if (tcgetpgrp(fd) != getpid()) rc = 6;
    (void)!write(go.w, "x", 1);
    waitpid(job, nullptr, 0);
    return rc;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
  EXPECT_EQ(0, tcgetpgrp(p.master));  // the session ended with its leader... or kept it
}

TEST(PtyJobControl, BackgroundReadGetsSigttin) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);  // a background group of the session
      char c;
      (void)!read(fd, &c, 1);
      _exit(0);
    }
    setpgid(job, job);
    int st = 0;
    pid_t r = WaitPidWithin(job, &st, WUNTRACED, 10000);
    kill(job, SIGKILL);
    waitpid(job, nullptr, 0);
    if (r != job) return 1;
    return WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN ? 0 : 2;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, BackgroundReadWithSigttinIgnoredIsEIO) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      signal(SIGTTIN, SIG_IGN);
      char c;
      _exit(read(fd, &c, 1) == -1 && errno == EIO ? 0 : 1);
    }
    setpgid(job, job);
    int st = 0;
    pid_t r = WaitPidWithin(job, &st, 0, 10000);
    if (r != job) {
      kill(job, SIGKILL);
      waitpid(job, nullptr, 0);
      return 3;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, MasterCloseHangsUpSessionLeader) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int) {
    for (;;) pause();
    return 0;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  close(p.master);
  p.master = -1;
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(SIGHUP, WTERMSIG(status));
}

TEST(PtyJobControl, BackgroundWriteWithTostopGetsSigttou) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  termios t{};
  ASSERT_EQ(0, tcgetattr(p.slave, &t));
  t.c_lflag |= TOSTOP;
  ASSERT_EQ(0, tcsetattr(p.slave, TCSANOW, &t));
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      (void)!write(fd, "x", 1);
      _exit(0);
    }
    setpgid(job, job);
    int st = 0;
    pid_t r = WaitPidWithin(job, &st, WUNTRACED, 10000);
    kill(job, SIGKILL);
    waitpid(job, nullptr, 0);
    if (r != job) return 1;
    return WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU ? 0 : 2;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, BackgroundWriteWithoutTostopIsAllowed) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      _exit(write(fd, "bg", 2) == 2 ? 0 : 1);
    }
    setpgid(job, job);
    int st = 0;
    if (WaitPidWithin(job, &st, 0, 10000) != job) {
      kill(job, SIGKILL);
      waitpid(job, nullptr, 0);
      return 3;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
  EXPECT_EQ("bg", ReadUpTo(p.master, 2));
}

TEST(PtyJobControl, BackgroundTcsetattrGetsSigttou) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      termios t{};
      tcgetattr(fd, &t);  // reading the settings is allowed in the background
      tcsetattr(fd, TCSANOW, &t);
      _exit(0);
    }
    setpgid(job, job);
    int st = 0;
    pid_t r = WaitPidWithin(job, &st, WUNTRACED, 10000);
    kill(job, SIGKILL);
    waitpid(job, nullptr, 0);
    if (r != job) return 1;
    return WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU ? 0 : 2;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(PtyJobControl, NottyDropsTheTerminal) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    signal(SIGHUP, SIG_IGN);  // the leader's own group is the foreground
    if (ioctl(fd, TIOCNOTTY) != 0) return 1;
    if (tcgetpgrp(fd) != -1 || errno != ENOTTY) return 2;
    if (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO) return 3;
    if (ioctl(fd, TIOCNOTTY) != -1 || errno != ENOTTY) return 4;
    // Free again: the leader may take it back.
    if (ioctl(fd, TIOCSCTTY, 0) != 0) return 5;
    return tcgetpgrp(fd) == getpid() ? 0 : 6;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}

// /proc/self/stat fields 7 and 8 (tty_nr, tpgid): what ps shows as TT and
// the '+' of a foreground process.
TEST(PtyJobControl, ProcStatShowsTerminalAndForegroundGroup) {
  PtyPair p;
  ASSERT_TRUE(p.ok());
  Pipe ready;
  pid_t pid = SessionChild(p, ready.w, [](int fd) {
    struct stat st{};
    if (fstat(fd, &st) != 0) return 1;
    const unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
    const long want_tty = static_cast<long>((min & 0xffu) | (maj << 8) | ((min & ~0xffu) << 12));
    FILE* f = fopen("/proc/self/stat", "re");
    if (!f) return 2;
    char buf[1024] = {};
    const size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (n == 0) return 3;
    const char* rest = strrchr(buf, ')');
    if (!rest) return 4;
    char state = 0;
    long ppid = 0, pgrp = 0, session = 0, tty_nr = 0, tpgid = 0;
    if (sscanf(rest + 1, " %c %ld %ld %ld %ld %ld", &state, &ppid, &pgrp, &session, &tty_nr, &tpgid) != 6) return 5;
    if (session != getpid() || tty_nr != want_tty) return 6;
    return tpgid == getpid() ? 0 : 7;
  });
  ASSERT_TRUE(WaitReady(ready.r));
  int status = WaitChild(pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(0, WEXITSTATUS(status));
}
