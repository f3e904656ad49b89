// AF_UNIX sockets (unix(7)) and the generic socket calls: creation and flag
// errors, socketpair, path and abstract binding, listen backlog, accept4,
// connect errors, shutdown, EPIPE/SIGPIPE, SO_PEERCRED, SCM_RIGHTS and
// SCM_CREDENTIALS, the MSG_* flags, datagram and seqpacket boundaries,
// sendmmsg/recvmmsg, socket options and names, readiness.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <cstring>
#include <string>
#include <vector>

#include "common.h"
#include "proc_util.h"
#include "tmpdir.h"

namespace {

using conf::Opaque;

sockaddr_un PathAddr(const std::string& p, socklen_t* len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, p.data(), p.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + p.size() + 1);
  return a;
}

// An abstract name unique to this process (natively the namespace is the host's).
sockaddr_un AbstractAddr(const std::string& tag, socklen_t* len) {
  const std::string name = "lxconf-" + std::to_string(getpid()) + "-" + tag;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return a;
}

struct Pair {
  int a = -1, b = -1;
  explicit Pair(int type) {
    int sv[2];
    if (socketpair(AF_UNIX, type, 0, sv) != 0) abort();
    a = sv[0];
    b = sv[1];
  }
  ~Pair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

// A listening socket bound to a fresh path in a temp dir.
struct Listener {
  conf::TempDir dir;
  std::string path;
  sockaddr_un addr{};
  socklen_t len = 0;
  int fd = -1;
  explicit Listener(int backlog = 5, int type = SOCK_STREAM) {
    path = dir / "sock";
    addr = PathAddr(path, &len);
    fd = socket(AF_UNIX, type, 0);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, backlog) != 0) abort();
  }
  ~Listener() { close(fd); }
  int Connect(int flags = 0) const {
    int c = socket(AF_UNIX, SOCK_STREAM | flags, 0);
    if (connect(c, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
      int e = errno;
      close(c);
      errno = e;
      return -1;
    }
    return c;
  }
};

int SendFds(int sock, const std::vector<int>& fds, const char* data = "x") {
  iovec iov{const_cast<char*>(data), std::strlen(data)};
  std::vector<char> ctl(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl.data();
  m.msg_controllen = ctl.size();
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  return static_cast<int>(sendmsg(sock, &m, 0));
}

// ---- creation ---------------------------------------------------------------------

TEST(UnixSocketCreate, TypesAndFlags) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
    EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    int v = 0;
    socklen_t l = sizeof v;
    ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), 0);
    EXPECT_EQ(v, type);
    ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l), 0);
    EXPECT_EQ(v, AF_UNIX);
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    close(fd);
  }
}

TEST(UnixSocketCreate, Errors) {
  errno = 0;
  EXPECT_EQ(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(socket(12345, SOCK_STREAM, 0), -1);
  EXPECT_EQ(errno, EAFNOSUPPORT);
  EXPECT_EQ(socket(-1, SOCK_STREAM, 0), -1);
  EXPECT_EQ(errno, EAFNOSUPPORT);
  EXPECT_EQ(socket(AF_UNIX, 15, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(socket(AF_UNIX, SOCK_RDM, 0), -1);
  EXPECT_EQ(errno, ESOCKTNOSUPPORT);
  EXPECT_EQ(socket(AF_UNIX, SOCK_STREAM, 7), -1);
  EXPECT_EQ(errno, EPROTONOSUPPORT);
  int sv[2];
  EXPECT_EQ(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, conf::kNullPtr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | 0x10000, 0, sv), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(UnixSocketCreate, CallsOnNonSocketsAreENOTSOCK) {
  int fd = open("/dev/null", O_RDONLY);
  sockaddr_un a{};
  socklen_t l = sizeof a;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  EXPECT_EQ(listen(fd, 1), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  EXPECT_EQ(send(fd, "x", 1, 0), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  EXPECT_EQ(shutdown(fd, SHUT_RD), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  close(fd);
  EXPECT_EQ(listen(fd, 1), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(accept4(fd, nullptr, nullptr, 0x1234), -1);
  EXPECT_EQ(errno, EBADF);  // the fd before the flags
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(accept4(sock, nullptr, nullptr, 0x1234), -1);
  EXPECT_EQ(errno, EINVAL);
  close(sock);
}

// ---- socketpair streams -------------------------------------------------------------

TEST(UnixStream, PairTransfersBothWays) {
  Pair p(SOCK_STREAM);
  ASSERT_EQ(write(p.a, "hello", 5), 5);
  ASSERT_EQ(send(p.b, "back", 4, 0), 4);
  char buf[16] = {};
  ASSERT_EQ(read(p.b, buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "hello");
  ASSERT_EQ(recv(p.a, buf, sizeof buf, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "back");
}

TEST(UnixStream, EmptyNonblockingReadIsEAGAIN) {
  Pair p(SOCK_STREAM);
  char c;
  EXPECT_EQ(recv(p.a, &c, 1, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST(UnixStream, PeekLeavesData) {
  Pair p(SOCK_STREAM);
  ASSERT_EQ(write(p.a, "abcdef", 6), 6);
  char buf[8] = {};
  ASSERT_EQ(recv(p.b, buf, 3, MSG_PEEK), 3);
  EXPECT_EQ(std::string(buf, 3), "abc");
  ASSERT_EQ(recv(p.b, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "abcdef");
}

TEST(UnixStream, StreamMergesWrites) {
  Pair p(SOCK_STREAM);
  ASSERT_EQ(write(p.a, "ab", 2), 2);
  ASSERT_EQ(write(p.a, "cd", 2), 2);
  char buf[8];
  EXPECT_EQ(read(p.b, buf, sizeof buf), 4);
}

TEST(UnixStream, WaitallCollectsFromWriterChild) {
  Pair p(SOCK_STREAM);
  pid_t pid = conf::ForkChild([&] {
    for (int i = 0; i < 4; ++i) {
      conf::SleepMs(20);
      if (write(p.a, "xy", 2) != 2) return 1;
    }
    return 0;
  });
  char buf[8];
  EXPECT_EQ(recv(p.b, buf, 8, MSG_WAITALL), 8);
  int st;
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
}

TEST(UnixStream, CloseGivesEofAndEpipe) {
  Pair p(SOCK_STREAM);
  ASSERT_EQ(write(p.a, "z", 1), 1);
  close(p.a);
  p.a = -1;
  char c;
  EXPECT_EQ(read(p.b, &c, 1), 1);
  EXPECT_EQ(read(p.b, &c, 1), 0);
  EXPECT_EQ(send(p.b, "q", 1, MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, EPIPE);
  pollfd pf{p.b, POLLIN | POLLOUT, 0};
  ASSERT_EQ(poll(&pf, 1, 0), 1);
  EXPECT_TRUE(pf.revents & POLLHUP);
  EXPECT_TRUE(pf.revents & POLLIN);
}

TEST(UnixStream, EpipeRaisesSigpipeUnlessNosignal) {
  Pair p(SOCK_STREAM);
  close(p.a);
  p.a = -1;
  conf::ScopedBlock block({SIGPIPE});
  EXPECT_EQ(send(p.b, "q", 1, MSG_NOSIGNAL), -1);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
  EXPECT_EQ(send(p.b, "q", 1, 0), -1);
  EXPECT_EQ(errno, EPIPE);
  sigpending(&pending);
  EXPECT_TRUE(sigismember(&pending, SIGPIPE));
  siginfo_t si;
  timespec zero{0, 0};
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, SIGPIPE);
  EXPECT_EQ(sigtimedwait(&only, &si, &zero), SIGPIPE);
}

TEST(UnixStream, ShutdownWrGivesPeerEof) {
  Pair p(SOCK_STREAM);
  ASSERT_EQ(shutdown(p.a, SHUT_WR), 0);
  char c;
  EXPECT_EQ(read(p.b, &c, 1), 0);
  EXPECT_EQ(send(p.a, "q", 1, MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, EPIPE);
  EXPECT_EQ(send(p.b, "q", 1, MSG_NOSIGNAL), 1);  // the other direction still works
  EXPECT_EQ(read(p.a, &c, 1), 1);
  EXPECT_EQ(shutdown(p.a, 7), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(UnixStream, NonblockingWriterFillsUpWithEAGAIN) {
  Pair p(SOCK_STREAM);
  std::vector<char> chunk(65536, 'k');
  ssize_t total = 0;
  for (int i = 0; i < 1000; ++i) {
    ssize_t n = send(p.a, chunk.data(), chunk.size(), MSG_DONTWAIT);
    if (n < 0) {
      EXPECT_EQ(errno, EAGAIN);
      break;
    }
    total += n;
  }
  EXPECT_GT(total, 0);
  EXPECT_LT(total, 64 << 20);
  pollfd pf{p.a, POLLOUT, 0};
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  // Draining makes it writable again.
  std::vector<char> sink(1 << 20);
  while (recv(p.b, sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
  }
  EXPECT_EQ(poll(&pf, 1, 1000), 1);
}

// ---- datagrams and packets --------------------------------------------------------------

TEST(UnixDgram, KeepsBoundariesAndTruncates) {
  Pair p(SOCK_DGRAM);
  ASSERT_EQ(send(p.a, "12345", 5, 0), 5);
  ASSERT_EQ(send(p.a, "ab", 2, 0), 2);
  char buf[8] = {};
  EXPECT_EQ(recv(p.b, buf, 3, MSG_TRUNC), 5);  // MSG_TRUNC returns the real length
  EXPECT_EQ(std::string(buf, 3), "123");
  iovec iov{buf, sizeof buf};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  EXPECT_EQ(recvmsg(p.b, &m, 0), 2);
  EXPECT_EQ(m.msg_flags & MSG_TRUNC, 0);
  ASSERT_EQ(send(p.a, "12345", 5, 0), 5);
  iov.iov_len = 2;
  EXPECT_EQ(recvmsg(p.b, &m, 0), 2);
  EXPECT_TRUE(m.msg_flags & MSG_TRUNC);
}

TEST(UnixDgram, ZeroLengthDatagram) {
  Pair p(SOCK_DGRAM);
  ASSERT_EQ(send(p.a, "", 0, 0), 0);
  char c;
  EXPECT_EQ(recv(p.b, &c, 1, MSG_DONTWAIT), 0);
  EXPECT_EQ(recv(p.b, &c, 1, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST(UnixDgram, SendtoBoundPathAndSourceAddress) {
  conf::TempDir dir;
  socklen_t la, lb;
  sockaddr_un a = PathAddr(dir / "a", &la), b = PathAddr(dir / "b", &lb);
  int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_EQ(bind(sa, reinterpret_cast<sockaddr*>(&a), la), 0);
  ASSERT_EQ(bind(sb, reinterpret_cast<sockaddr*>(&b), lb), 0);
  ASSERT_EQ(sendto(sa, "hi", 2, 0, reinterpret_cast<sockaddr*>(&b), lb), 2);
  sockaddr_un from{};
  socklen_t fl = sizeof from;
  char buf[4];
  ASSERT_EQ(recvfrom(sb, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl), 2);
  EXPECT_EQ(fl, la);
  EXPECT_STREQ(from.sun_path, (dir / "a").c_str());
  EXPECT_EQ(send(sa, "x", 1, 0), -1);
  EXPECT_EQ(errno, ENOTCONN);
  // A datagram to a name whose socket is closed is refused.
  close(sb);
  EXPECT_EQ(sendto(sa, "hi", 2, 0, reinterpret_cast<sockaddr*>(&b), lb), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(sa);
}

TEST(UnixDgram, TooBigIsEMSGSIZE) {
  Pair p(SOCK_DGRAM);
  int sndbuf = 0;
  socklen_t l = sizeof sndbuf;
  ASSERT_EQ(getsockopt(p.a, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l), 0);
  std::vector<char> big(static_cast<size_t>(sndbuf) + 1);
  EXPECT_EQ(send(p.a, big.data(), big.size(), MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EMSGSIZE);
}

TEST(UnixSeqpacket, BoundariesAndEof) {
  Pair p(SOCK_SEQPACKET);
  ASSERT_EQ(send(p.a, "one", 3, 0), 3);
  ASSERT_EQ(send(p.a, "three", 5, 0), 5);
  char buf[16];
  EXPECT_EQ(recv(p.b, buf, sizeof buf, 0), 3);
  EXPECT_EQ(recv(p.b, buf, 2, 0), 2);  // the rest of "three" is discarded
  close(p.a);
  p.a = -1;
  EXPECT_EQ(recv(p.b, buf, sizeof buf, 0), 0);
}

TEST(UnixSeqpacket, ListenAcceptKeepsBoundaries) {
  Listener l(5, SOCK_SEQPACKET);
  int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  ASSERT_EQ(connect(c, reinterpret_cast<sockaddr*>(&l.addr), l.len), 0);
  int s = accept(l.fd, nullptr, nullptr);
  ASSERT_GE(s, 0);
  ASSERT_EQ(send(c, "ab", 2, 0), 2);
  ASSERT_EQ(send(c, "cd", 2, 0), 2);
  char buf[8];
  EXPECT_EQ(recv(s, buf, sizeof buf, 0), 2);
  close(c);
  close(s);
}

// ---- binding and names ----------------------------------------------------------------

TEST(UnixBind, PathCreatesSocketInodeAndEADDRINUSE) {
  conf::TempDir dir;
  socklen_t len;
  sockaddr_un a = PathAddr(dir / "s", &len);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  struct stat st;
  ASSERT_EQ(stat((dir / "s").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  int fd2 = socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(bind(fd2, reinterpret_cast<sockaddr*>(&a), len), -1);
  EXPECT_EQ(errno, EADDRINUSE);
  // A bound socket cannot be bound again.
  socklen_t len2;
  sockaddr_un a2 = PathAddr(dir / "t", &len2);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a2), len2), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(access((dir / "t").c_str(), F_OK), -1);
  // Missing directory.
  sockaddr_un a3 = PathAddr(dir / "nodir/s", &len2);
  EXPECT_EQ(bind(fd2, reinterpret_cast<sockaddr*>(&a3), len2), -1);
  EXPECT_EQ(errno, ENOENT);
  close(fd);
  close(fd2);
}

TEST(UnixBind, GetsocknameReportsPathLength) {
  conf::TempDir dir;
  socklen_t len;
  sockaddr_un a = PathAddr(dir / "name", &len);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un got{};
  socklen_t gl = sizeof got;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, sizeof(sa_family_t));  // unbound: the family only
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  gl = sizeof got;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, len);
  EXPECT_STREQ(got.sun_path, (dir / "name").c_str());
  // A short buffer gets a prefix and the full length.
  gl = 4;
  std::memset(&got, 0, sizeof got);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, len);
  EXPECT_EQ(got.sun_path[2], 0);
  close(fd);
}

TEST(UnixBind, BadAddressesAreEINVAL) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_INET;
  std::strcpy(a.sun_path, "/tmp/x");
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), -1);
  EXPECT_EQ(errno, EINVAL);
  a.sun_family = AF_UNIX;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), 1), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a + 1), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), 129), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), Opaque(-1)), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(bind(fd, static_cast<sockaddr*>(conf::kNullPtr), 10), -1);
  EXPECT_EQ(errno, EFAULT);
  close(fd);
}

TEST(UnixBind, AbstractNamesAndAutobind) {
  socklen_t len;
  sockaddr_un a = AbstractAddr("abs", &len);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0), fd2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  EXPECT_EQ(bind(fd2, reinterpret_cast<sockaddr*>(&a), len), -1);
  EXPECT_EQ(errno, EADDRINUSE);
  sockaddr_un got{};
  socklen_t gl = sizeof got;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, len);
  EXPECT_EQ(std::memcmp(&got, &a, len), 0);
  // Autobind: a bare family picks "\0" + five hex digits.
  sockaddr_un bare{};
  bare.sun_family = AF_UNIX;
  ASSERT_EQ(bind(fd2, reinterpret_cast<sockaddr*>(&bare), sizeof(sa_family_t)), 0);
  gl = sizeof got;
  ASSERT_EQ(getsockname(fd2, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, sizeof(sa_family_t) + 6);
  EXPECT_EQ(got.sun_path[0], 0);
  ASSERT_EQ(sendto(fd2, "ab", 2, 0, reinterpret_cast<sockaddr*>(&a), len), 2);
  char buf[4];
  sockaddr_un from{};
  socklen_t fl = sizeof from;
  ASSERT_EQ(recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl), 2);
  EXPECT_EQ(fl, gl);
  // The name is free again once its socket is closed.
  close(fd);
  fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  close(fd);
  close(fd2);
}

// ---- connections -------------------------------------------------------------------

TEST(UnixConnect, AcceptAndNames) {
  Listener l;
  int c = l.Connect();
  ASSERT_GE(c, 0);
  sockaddr_un peer{};
  socklen_t pl = sizeof peer;
  int s = accept4(l.fd, reinterpret_cast<sockaddr*>(&peer), &pl, SOCK_CLOEXEC | SOCK_NONBLOCK);
  ASSERT_GE(s, 0);
  EXPECT_EQ(pl, sizeof(sa_family_t));  // the client is unbound
  EXPECT_EQ(fcntl(s, F_GETFD), FD_CLOEXEC);
  EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
  sockaddr_un got{};
  socklen_t gl = sizeof got;
  ASSERT_EQ(getpeername(c, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_EQ(gl, l.len);
  EXPECT_STREQ(got.sun_path, l.path.c_str());
  gl = sizeof got;
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&got), &gl), 0);
  EXPECT_STREQ(got.sun_path, l.path.c_str());
  ASSERT_EQ(write(c, "ping", 4), 4);
  char buf[8];
  EXPECT_EQ(read(s, buf, sizeof buf), 4);
  int v = 0;
  socklen_t vl = sizeof v;
  ASSERT_EQ(getsockopt(l.fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
  EXPECT_EQ(v, 1);
  close(c);
  close(s);
}

TEST(UnixConnect, Errors) {
  conf::TempDir dir;
  socklen_t len;
  sockaddr_un a = PathAddr(dir / "none", &len);
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&a), len), -1);
  EXPECT_EQ(errno, ENOENT);
  // A regular file is not a socket.
  ASSERT_TRUE(conf::WriteFile(dir / "file", "x"));
  sockaddr_un f = PathAddr(dir / "file", &len);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&f), len), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  // Bound but not listening.
  sockaddr_un b = PathAddr(dir / "bound", &len);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&b), len), 0);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&b), len), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  // Listening, then closed: the inode remains, the socket is gone.
  ASSERT_EQ(listen(s, 1), 0);
  close(s);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&b), len), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  // Another socket type.
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un dg = PathAddr(dir / "dg", &len);
  ASSERT_EQ(bind(d, reinterpret_cast<sockaddr*>(&dg), len), 0);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&dg), len), -1);
  EXPECT_EQ(errno, EPROTOTYPE);
  EXPECT_EQ(connect(c, static_cast<sockaddr*>(conf::kNullPtr), len), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(connect(c, reinterpret_cast<sockaddr*>(&dg), 200), -1);
  EXPECT_EQ(errno, EINVAL);
  // Not connected.
  char ch;
  EXPECT_EQ(send(c, "x", 1, MSG_NOSIGNAL), -1);
  EXPECT_EQ(errno, ENOTCONN);
  EXPECT_EQ(recv(c, &ch, 1, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  sockaddr_un got{};
  socklen_t gl = sizeof got;
  EXPECT_EQ(getpeername(c, reinterpret_cast<sockaddr*>(&got), &gl), -1);
  EXPECT_EQ(errno, ENOTCONN);
  close(d);
  close(c);
}

TEST(UnixConnect, UnlinkedPathIsENOENTButConnectionsStay) {
  Listener l;
  int c1 = l.Connect();
  ASSERT_GE(c1, 0);
  ASSERT_EQ(unlink(l.path.c_str()), 0);
  EXPECT_EQ(l.Connect(), -1);
  EXPECT_EQ(errno, ENOENT);
  int s = accept(l.fd, nullptr, nullptr);
  ASSERT_GE(s, 0);
  EXPECT_EQ(write(c1, "a", 1), 1);
  close(c1);
  close(s);
}

TEST(UnixConnect, BacklogFullIsEAGAINWhenNonblocking) {
  Listener l(1);
  std::vector<int> conns;
  int fd;
  while (conns.size() < 64 && (fd = l.Connect(SOCK_NONBLOCK)) >= 0) conns.push_back(fd);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_GE(conns.size(), 1u);
  EXPECT_LE(conns.size(), 3u);
  // Accepting one makes room.
  int s = accept(l.fd, nullptr, nullptr);
  ASSERT_GE(s, 0);
  fd = l.Connect(SOCK_NONBLOCK);
  EXPECT_GE(fd, 0);
  if (fd >= 0) close(fd);
  close(s);
  for (int c : conns) close(c);
}

TEST(UnixConnect, BlockingConnectWaitsForAccept) {
  Listener l(0);
  std::vector<int> conns;
  int fd;
  while (conns.size() < 64 && (fd = l.Connect(SOCK_NONBLOCK)) >= 0) conns.push_back(fd);
  ASSERT_EQ(errno, EAGAIN);
  pid_t pid = conf::ForkChild([&] {
    conf::SleepMs(100);
    int s = accept(l.fd, nullptr, nullptr);
    return s >= 0 ? 0 : 1;
  });
  fd = l.Connect();  // blocks until the child accepts
  EXPECT_GE(fd, 0);
  int st;
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
  if (fd >= 0) close(fd);
  for (int c : conns) close(c);
}

TEST(UnixConnect, AcceptNonblockingAndNotListening) {
  Listener l;
  int fl = fcntl(l.fd, F_GETFL);
  fcntl(l.fd, F_SETFL, fl | O_NONBLOCK);
  EXPECT_EQ(accept(l.fd, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EAGAIN);
  pollfd pf{l.fd, POLLIN, 0};
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  int c = l.Connect();
  EXPECT_EQ(poll(&pf, 1, 1000), 1);
  int s = accept(l.fd, nullptr, nullptr);
  EXPECT_GE(s, 0);
  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  EXPECT_EQ(accept(u, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(listen(u, 1), -1);  // unbound
  EXPECT_EQ(errno, EINVAL);
  int d = socket(AF_UNIX, SOCK_DGRAM, 0);
  EXPECT_EQ(listen(d, 1), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  close(d);
  close(u);
  close(c);
  close(s);
}

TEST(UnixConnect, ListenerClosedWithPendingConnectionResetsClient) {
  int c;
  {
    Listener l;
    c = l.Connect();
    ASSERT_GE(c, 0);
  }
  char ch;
  EXPECT_EQ(read(c, &ch, 1), -1);
  EXPECT_EQ(errno, ECONNRESET);
  EXPECT_EQ(read(c, &ch, 1), 0);
  close(c);
}

// ---- credentials ------------------------------------------------------------------

TEST(UnixCreds, PeercredOfPairAndConnection) {
  Pair p(SOCK_STREAM);
  ucred cr{};
  socklen_t l = sizeof cr;
  ASSERT_EQ(getsockopt(p.a, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
  EXPECT_EQ(l, sizeof cr);
  EXPECT_EQ(cr.pid, getpid());
  EXPECT_EQ(cr.uid, geteuid());
  EXPECT_EQ(cr.gid, getegid());

  Listener ls;
  pid_t pid = conf::ForkChild([&] {
    int c = ls.Connect();
    if (c < 0) return 1;
    ucred pc{};
    socklen_t pl = sizeof pc;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &pc, &pl) != 0 || pc.pid != getppid()) return 2;
    char ch;
    return read(c, &ch, 1) == 1 ? 0 : 3;
  });
  int s = accept(ls.fd, nullptr, nullptr);
  ASSERT_GE(s, 0);
  ASSERT_EQ(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
  EXPECT_EQ(cr.pid, pid);
  ASSERT_EQ(write(s, "k", 1), 1);
  int st;
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
  close(s);

  int u = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
  EXPECT_EQ(cr.pid, 0);
  EXPECT_EQ(cr.uid, static_cast<uid_t>(-1));
  close(u);
}

TEST(UnixCreds, PasscredDeliversSenderCredentials) {
  Pair p(SOCK_DGRAM);
  int on = 1;
  ASSERT_EQ(setsockopt(p.b, SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
  ASSERT_EQ(send(p.a, "c", 1, 0), 1);
  char buf[4];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(ucred))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  ASSERT_EQ(recvmsg(p.b, &m, 0), 1);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, SOL_SOCKET);
  EXPECT_EQ(c->cmsg_type, SCM_CREDENTIALS);
  ucred cr;
  std::memcpy(&cr, CMSG_DATA(c), sizeof cr);
  EXPECT_EQ(cr.pid, getpid());
  EXPECT_EQ(cr.uid, getuid());
  // Explicit credentials naming ourselves are accepted.
  alignas(cmsghdr) char sctl[CMSG_SPACE(sizeof(ucred))] = {};
  m.msg_control = sctl;
  m.msg_controllen = sizeof sctl;
  c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof(ucred));
  ucred mine{getpid(), getuid(), getgid()};
  std::memcpy(CMSG_DATA(c), &mine, sizeof mine);
  EXPECT_EQ(sendmsg(p.a, &m, 0), static_cast<ssize_t>(sizeof buf));
  c->cmsg_len = CMSG_LEN(sizeof(ucred) - 1);
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EINVAL);
}

// ---- SCM_RIGHTS --------------------------------------------------------------------

TEST(UnixRights, PassedFdSharesTheDescription) {
  Pair p(SOCK_STREAM);
  int pfd[2];
  ASSERT_EQ(pipe(pfd), 0);
  ASSERT_EQ(SendFds(p.a, {pfd[1]}), 1);
  close(pfd[1]);
  char buf[4];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  ASSERT_EQ(recvmsg(p.b, &m, MSG_CMSG_CLOEXEC), 1);
  EXPECT_EQ(m.msg_flags & MSG_CTRUNC, 0);
  EXPECT_EQ(m.msg_controllen, CMSG_SPACE(sizeof(int)));
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_type, SCM_RIGHTS);
  EXPECT_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
  int got;
  std::memcpy(&got, CMSG_DATA(c), sizeof got);
  EXPECT_EQ(fcntl(got, F_GETFD), FD_CLOEXEC);
  ASSERT_EQ(write(got, "via", 3), 3);
  EXPECT_EQ(read(pfd[0], buf, sizeof buf), 3);
  close(got);
  close(pfd[0]);
}

TEST(UnixRights, ToAnotherProcess) {
  Pair p(SOCK_STREAM);
  conf::TempDir dir;
  pid_t pid = conf::ForkChild([&] {
    char buf[4];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    if (recvmsg(p.b, &m, 0) != 1) return 1;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    if (!c || c->cmsg_type != SCM_RIGHTS) return 2;
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return write(fd, "child", 5) == 5 ? 0 : 3;
  });
  int fd = open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(SendFds(p.a, {fd}), 1);
  int st;
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
  // Same description: the child's write moved our offset.
  EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 5);
  close(fd);
}

TEST(UnixRights, ShortControlBufferTruncates) {
  Pair p(SOCK_DGRAM);
  ASSERT_EQ(SendFds(p.a, {0, 1, 2}), 1);
  char buf[4];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = CMSG_LEN(sizeof(int));
  ASSERT_EQ(recvmsg(p.b, &m, 0), 1);
  EXPECT_TRUE(m.msg_flags & MSG_CTRUNC);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
  int got;
  std::memcpy(&got, CMSG_DATA(c), sizeof got);
  EXPECT_GE(fcntl(got, F_GETFD), 0);
  close(got);
  // No control buffer at all: truncated, nothing installed.
  ASSERT_EQ(SendFds(p.a, {0}), 1);
  m.msg_control = nullptr;
  m.msg_controllen = 0;
  ASSERT_EQ(recvmsg(p.b, &m, 0), 1);
  EXPECT_TRUE(m.msg_flags & MSG_CTRUNC);
}

TEST(UnixRights, LimitsAndBadFds) {
  Pair p(SOCK_DGRAM);
  EXPECT_EQ(SendFds(p.a, std::vector<int>(253, 0)), 1);
  EXPECT_EQ(SendFds(p.a, std::vector<int>(254, 0)), -1);
  EXPECT_EQ(errno, EINVAL);
  int fd = dup(0);
  close(fd);
  EXPECT_EQ(SendFds(p.a, {fd}), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(SendFds(p.a, {-1}), -1);
  EXPECT_EQ(errno, EBADF);
}

TEST(UnixRights, MalformedControlIsEINVAL) {
  Pair p(SOCK_DGRAM);
  char data = 'x';
  iovec iov{&data, 1};
  alignas(cmsghdr) char ctl[64] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl;
  m.msg_controllen = sizeof ctl;
  cmsghdr* c = reinterpret_cast<cmsghdr*>(ctl);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = 5;  // shorter than the header
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  c->cmsg_len = 65;  // longer than the buffer
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  c->cmsg_len = CMSG_LEN(0);
  c->cmsg_type = 99;  // unknown SOL_SOCKET type
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  m.msg_controllen = 1u << 20;  // above optmem_max
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, ENOBUFS);
  m.msg_controllen = 0x80000000ul;
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, ENOBUFS);
  m.msg_controllen = sizeof ctl;
  m.msg_control = conf::kOnePtr;
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(UnixRights, InFlightFdsAreReleasedWithTheSocket) {
  int pfd[2];
  ASSERT_EQ(pipe(pfd), 0);
  {
    Pair p(SOCK_STREAM);
    ASSERT_EQ(SendFds(p.a, {pfd[1]}), 1);
  }
  close(pfd[1]);
  // The only write end was in flight and is gone: end of file.
  char c;
  EXPECT_EQ(read(pfd[0], &c, 1), 0);
  close(pfd[0]);
}

// ---- msghdr and m*msg ------------------------------------------------------------------

TEST(UnixMsg, SendmsgGathersRecvmsgScatters) {
  Pair p(SOCK_STREAM);
  char a[] = "abc", b[] = "defg";
  iovec out[2] = {{a, 3}, {b, 4}};
  msghdr m{};
  m.msg_iov = out;
  m.msg_iovlen = 2;
  ASSERT_EQ(sendmsg(p.a, &m, 0), 7);
  char x[2], y[8] = {};
  iovec in[2] = {{x, 2}, {y, 8}};
  m.msg_iov = in;
  ASSERT_EQ(recvmsg(p.b, &m, 0), 7);
  EXPECT_EQ(std::string(x, 2), "ab");
  EXPECT_EQ(std::string(y, 5), "cdefg");
  m.msg_iovlen = 1025;
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EMSGSIZE);
  m.msg_iovlen = 1;
  m.msg_namelen = -1;
  m.msg_name = x;
  EXPECT_EQ(sendmsg(p.a, &m, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(sendmsg(p.a, static_cast<msghdr*>(conf::kNullPtr), 0), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(UnixMsg, SendtoAddressOnConnectedStream) {
  Pair p(SOCK_STREAM);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  EXPECT_EQ(sendto(p.a, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), -1);
  EXPECT_EQ(errno, EISCONN);
}

TEST(UnixMsg, SendmmsgRecvmmsg) {
  Pair p(SOCK_DGRAM);
  char d[3][4] = {"one", "two", "six"};
  iovec iov[3];
  mmsghdr mm[3] = {};
  for (int i = 0; i < 3; ++i) {
    iov[i] = {d[i], 3};
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  ASSERT_EQ(sendmmsg(p.a, mm, 3, 0), 3);
  EXPECT_EQ(mm[2].msg_len, 3u);
  char r[3][8] = {};
  iovec riov[3];
  mmsghdr rm[3] = {};
  for (int i = 0; i < 3; ++i) {
    riov[i] = {r[i], 8};
    rm[i].msg_hdr.msg_iov = &riov[i];
    rm[i].msg_hdr.msg_iovlen = 1;
  }
  ASSERT_EQ(recvmmsg(p.b, rm, 3, MSG_DONTWAIT, nullptr), 3);
  EXPECT_STREQ(r[2], "six");
  EXPECT_EQ(recvmmsg(p.b, rm, 3, MSG_DONTWAIT, nullptr), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(send(p.a, "one", 3, 0), 3);
  EXPECT_EQ(recvmmsg(p.b, rm, 3, MSG_WAITFORONE, nullptr), 1);
}

// ---- options ----------------------------------------------------------------------

TEST(UnixOpts, BuffersAndErrors) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  int v = 10000;
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v), 0);
  socklen_t l = sizeof v;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l), 0);
  EXPECT_EQ(v, 20000);
  v = 1;
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), 0);
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &l), 0);
  EXPECT_EQ(v, 2304);  // SOCK_MIN_RCVBUF
  EXPECT_EQ(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, 2), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(setsockopt(fd, SOL_SOCKET, 9999, &v, sizeof v), -1);
  EXPECT_EQ(errno, ENOPROTOOPT);
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, 9999, &v, &l), -1);
  EXPECT_EQ(errno, ENOPROTOOPT);
  l = Opaque(static_cast<socklen_t>(-1));
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, static_cast<socklen_t*>(conf::kNullPtr)), -1);
  EXPECT_EQ(errno, EFAULT);
  l = sizeof v;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &l), 0);
  EXPECT_EQ(v, 0);
  // A short optlen truncates the value and reports what was copied.
  char one = 0x7f;
  l = 1;
  ASSERT_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &one, &l), 0);
  EXPECT_EQ(l, 1u);
  EXPECT_EQ(one, SOCK_STREAM);
  close(fd);
}

TEST(UnixOpts, RcvtimeoTimesOutWithEAGAIN) {
  Pair p(SOCK_STREAM);
  timeval tv{0, 50000};
  ASSERT_EQ(setsockopt(p.b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  char c;
  EXPECT_EQ(recv(p.b, &c, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  timeval got{};
  socklen_t l = sizeof got;
  ASSERT_EQ(getsockopt(p.b, SOL_SOCKET, SO_RCVTIMEO, &got, &l), 0);
  EXPECT_EQ(got.tv_sec, 0);
  EXPECT_GE(got.tv_usec, 50000);  // Linux rounds up to clock ticks
  EXPECT_LT(got.tv_usec, 100000);
  tv.tv_usec = 2000000;
  EXPECT_EQ(setsockopt(p.b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), -1);
  EXPECT_EQ(errno, EDOM);
}

// ---- readiness ----------------------------------------------------------------------

TEST(UnixPoll, ReadableAfterWriteAndWaitsAcrossProcesses) {
  Pair p(SOCK_STREAM);
  pollfd pf{p.b, POLLIN, 0};
  EXPECT_EQ(poll(&pf, 1, 0), 0);
  pid_t pid = conf::ForkChild([&] {
    conf::SleepMs(50);
    return write(p.a, "w", 1) == 1 ? 0 : 1;
  });
  EXPECT_EQ(poll(&pf, 1, 10000), 1);
  EXPECT_TRUE(pf.revents & POLLIN);
  int st;
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
  int n = 0;
  ASSERT_EQ(ioctl(p.b, FIONREAD, &n), 0);
  EXPECT_EQ(n, 1);
}

TEST(UnixPoll, UnconnectedStreamIsHupAndWritable) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  pollfd pf{fd, POLLIN | POLLOUT, 0};
  ASSERT_EQ(poll(&pf, 1, 0), 1);
  EXPECT_EQ(pf.revents, POLLOUT | POLLHUP);
  close(fd);
}

}  // namespace

namespace {

int SendOneFd(int sock, int fd) { return SendFds(sock, {fd}); }

// Sockets in flight inside sockets in flight, 2000 deep: Linux sets no
// limit on the nesting, and closing the outermost must free them all.
TEST(UnixRights, DeepNestingOfSocketsInFlight) {
  int pfd[2];
  ASSERT_EQ(pipe(pfd), 0);
  int prev = pfd[1];
  for (int i = 0; i < 2000; ++i) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    ASSERT_EQ(SendOneFd(sv[0], prev), 1) << i;
    close(prev);
    close(sv[0]);
    prev = sv[1];
  }
  close(prev);
  // Everything is freed, down to the pipe's write end at the bottom.
  char c;
  EXPECT_EQ(read(pfd[0], &c, 1), 0);
  close(pfd[0]);
}

}  // namespace

#include <sys/epoll.h>

namespace {

void NoteSignal(int) {}

// A blocking receive is interrupted by a handled signal: EINTR without
// SA_RESTART; with SA_RESTART it resumes and gets the data sent later.
TEST(UnixSignals, BlockingRecvIsInterruptible) {
  Pair p(SOCK_STREAM);
  conf::ScopedHandler h(SIGUSR1, NoteSignal, 0);
  const pid_t parent = getpid();
  pid_t pid = conf::ForkChild([&] {
    conf::SleepMs(100);
    kill(parent, SIGUSR1);
    return 0;
  });
  char c;
  EXPECT_EQ(recv(p.b, &c, 1, 0), -1);
  EXPECT_EQ(errno, EINTR);
  int st;
  conf::WaitPid(pid, &st);

  conf::ScopedHandler h2(SIGUSR1, NoteSignal, SA_RESTART);
  pid = conf::ForkChild([&] {
    conf::SleepMs(100);
    kill(parent, SIGUSR1);
    conf::SleepMs(100);
    return write(p.a, "r", 1) == 1 ? 0 : 1;
  });
  EXPECT_EQ(recv(p.b, &c, 1, 0), 1);
  conf::WaitPid(pid, &st);
  EXPECT_EQ(st, 0);
}

TEST(UnixPoll, EpollReportsReadableAndHangup) {
  Pair p(SOCK_STREAM);
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = p.b;
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p.b, &ev), 0);
  epoll_event out{};
  EXPECT_EQ(epoll_wait(ep, &out, 1, 0), 0);
  ASSERT_EQ(write(p.a, "e", 1), 1);
  ASSERT_EQ(epoll_wait(ep, &out, 1, 1000), 1);
  EXPECT_EQ(out.events, static_cast<uint32_t>(EPOLLIN));
  close(p.a);
  p.a = -1;
  ASSERT_EQ(epoll_wait(ep, &out, 1, 1000), 1);
  EXPECT_TRUE(out.events & EPOLLRDHUP);
  close(ep);
}

}  // namespace

namespace {

// read/write on a datagram socket move whole datagrams, larger than any
// internal buffer, and a zero-length read consumes nothing.
TEST(UnixDgram, ReadWriteMoveWholeLargeDatagrams) {
  Pair p(SOCK_DGRAM);
  std::vector<char> big(100000, 'd'), in(200000);
  big.back() = 'e';
  ASSERT_EQ(write(p.a, big.data(), big.size()), static_cast<ssize_t>(big.size()));
  ASSERT_EQ(write(p.a, "tail", 4), 4);
  char c;
  EXPECT_EQ(read(p.b, &c, 0), 0);
  ASSERT_EQ(read(p.b, in.data(), in.size()), static_cast<ssize_t>(big.size()));
  EXPECT_EQ(in[big.size() - 1], 'e');
  EXPECT_EQ(read(p.b, in.data(), in.size()), 4);
}

}  // namespace
