// TCP over IPv4/IPv6 loopback: connection setup (blocking and
// non-blocking), data transfer, half-close, RST on close with unread data,
// flags (MSG_PEEK/DONTWAIT/WAITALL/TRUNC), options, and Linux's errors for
// malformed addresses. One process; a blocking connect completes through
// the listen backlog.
#include <netinet/tcp.h>
#include <sys/ioctl.h>

#include <string>
#include <vector>

#include "inet_util.h"

namespace {

using ScopedFd = conf::Sock;

struct Conn {
  ScopedFd listener, client, server;
  sockaddr_in addr{};
};

// A listener on 127.0.0.1 and one established connection to it.
void Connect4(Conn& c) {
  c.addr = conf::Loopback4();
  c.listener = ScopedFd(conf::BoundSocket(SOCK_STREAM, c.addr));
  ASSERT_GE(c.listener.get(), 0);
  ASSERT_SYS_OK(listen(c.listener, 8));
  c.client = ScopedFd(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_GE(c.client.get(), 0);
  ASSERT_SYS_OK(connect(c.client, reinterpret_cast<sockaddr*>(&c.addr), sizeof c.addr));
  c.server = ScopedFd(accept(c.listener, nullptr, nullptr));
  ASSERT_GE(c.server.get(), 0);
}

TEST(TcpSocket, TypeDomainProtocolOptions) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_GE(s.get(), 0);
  int v = -1;
  socklen_t len = sizeof v;
  ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len));
  EXPECT_EQ(v, SOCK_STREAM);
  ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len));
  EXPECT_EQ(v, AF_INET);
  ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len));
  EXPECT_EQ(v, IPPROTO_TCP);
  ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
  EXPECT_EQ(v, 0);
}

TEST(TcpSocket, BadTypeOrProtocolIsRejected) {
  EXPECT_ERRNO(EPROTONOSUPPORT, socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
  EXPECT_ERRNO(EPROTONOSUPPORT, socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP));
  int sv[2];
  EXPECT_ERRNO(EOPNOTSUPP, socketpair(AF_INET, SOCK_STREAM, 0, sv));
}

TEST(TcpSocket, ConnectSendRecvNames) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  sockaddr_in peer{}, self{};
  socklen_t len = sizeof peer;
  ASSERT_SYS_OK(getpeername(c.client, reinterpret_cast<sockaddr*>(&peer), &len));
  EXPECT_EQ(len, sizeof peer);
  EXPECT_EQ(peer.sin_port, c.addr.sin_port);
  len = sizeof self;
  ASSERT_SYS_OK(getsockname(c.client, reinterpret_cast<sockaddr*>(&self), &len));
  len = sizeof peer;
  ASSERT_SYS_OK(getpeername(c.server, reinterpret_cast<sockaddr*>(&peer), &len));
  EXPECT_EQ(peer.sin_port, self.sin_port);
  EXPECT_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));

  ASSERT_EQ(send(c.client, "hello", 5, 0), 5);
  char buf[16] = {};
  ASSERT_EQ(recv(c.server, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  ASSERT_EQ(write(c.server, "back", 4), 4);
  ASSERT_EQ(read(c.client, buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "back");
}

TEST(TcpSocket, ListenerAcceptsWithAddressAndAccept4Flags) {
  Conn c;
  c.addr = conf::Loopback4();
  c.listener = ScopedFd(conf::BoundSocket(SOCK_STREAM, c.addr));
  ASSERT_SYS_OK(listen(c.listener, 8));
  int v = 0;
  socklen_t len = sizeof v;
  ASSERT_SYS_OK(getsockopt(c.listener, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
  EXPECT_EQ(v, 1);
  EXPECT_ERRNO(EINVAL, accept4(c.listener, nullptr, nullptr, 0x1));
  ScopedFd cl(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_SYS_OK(connect(cl, reinterpret_cast<sockaddr*>(&c.addr), sizeof c.addr));
  sockaddr_in from{};
  len = sizeof from;
  ScopedFd srv(accept4(c.listener, reinterpret_cast<sockaddr*>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
  ASSERT_GE(srv.get(), 0);
  EXPECT_EQ(len, sizeof from);
  EXPECT_EQ(from.sin_family, AF_INET);
  EXPECT_TRUE(fcntl(srv, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(srv, F_GETFD) & FD_CLOEXEC);
  char b;
  EXPECT_ERRNO(EAGAIN, recv(srv, &b, 1, 0));
  // Nothing else pending: a non-blocking accept says EAGAIN.
  ASSERT_SYS_OK(fcntl(c.listener, F_SETFL, O_NONBLOCK));
  EXPECT_ERRNO(EAGAIN, accept(c.listener, nullptr, nullptr));
}

TEST(TcpSocket, HalfCloseDeliversEofButKeepsOtherDirection) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  ASSERT_EQ(send(c.client, "req", 3, 0), 3);
  ASSERT_SYS_OK(shutdown(c.client, SHUT_WR));
  char buf[8];
  ASSERT_EQ(recv(c.server, buf, sizeof buf, MSG_WAITALL), 3);  // data, then EOF ends the wait
  EXPECT_EQ(recv(c.server, buf, sizeof buf, 0), 0);
  EXPECT_TRUE(conf::WaitFor(c.server, POLLRDHUP) & POLLRDHUP);
  ASSERT_EQ(send(c.server, "resp", 4, 0), 4);
  ASSERT_EQ(recv(c.client, buf, sizeof buf, 0), 4);
  EXPECT_ERRNO(EPIPE, send(c.client, "x", 1, MSG_NOSIGNAL));
  ASSERT_SYS_OK(close(c.server.release()));
  EXPECT_EQ(recv(c.client, buf, sizeof buf, 0), 0);
}

TEST(TcpSocket, CloseWithUnreadDataResetsPeer) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  ASSERT_EQ(send(c.client, "unread", 6, 0), 6);
  ASSERT_TRUE(conf::WaitFor(c.server, POLLIN) & POLLIN);
  ASSERT_SYS_OK(close(c.server.release()));
  ASSERT_TRUE(conf::WaitFor(c.client, POLLIN) & (POLLERR | POLLHUP | POLLIN));
  char buf[8];
  EXPECT_ERRNO(ECONNRESET, recv(c.client, buf, sizeof buf, 0));
  // The reset is reported once; then the connection is simply gone.
  EXPECT_EQ(recv(c.client, buf, sizeof buf, 0), 0);
  EXPECT_ERRNO(EPIPE, send(c.client, "x", 1, MSG_NOSIGNAL));
}

TEST(TcpSocket, LingerZeroCloseResetsPeer) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  linger l{1, 0};
  ASSERT_SYS_OK(setsockopt(c.server, SOL_SOCKET, SO_LINGER, &l, sizeof l));
  linger got{};
  socklen_t len = sizeof got;
  ASSERT_SYS_OK(getsockopt(c.server, SOL_SOCKET, SO_LINGER, &got, &len));
  EXPECT_EQ(got.l_onoff, 1);
  EXPECT_EQ(got.l_linger, 0);
  ASSERT_SYS_OK(close(c.server.release()));
  ASSERT_TRUE(conf::WaitFor(c.client, POLLIN) != 0);
  char b;
  EXPECT_ERRNO(ECONNRESET, recv(c.client, &b, 1, 0));
}

TEST(TcpSocket, NonBlockingConnectCompletesWritableWithNoError) {
  sockaddr_in addr = conf::Loopback4();
  ScopedFd l(conf::BoundSocket(SOCK_STREAM, addr));
  ASSERT_SYS_OK(listen(l, 8));
  ScopedFd cl(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  ASSERT_ERRNO(EINPROGRESS, connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ASSERT_TRUE(conf::WaitFor(cl, POLLOUT) & POLLOUT);
  int e = -1;
  socklen_t len = sizeof e;
  ASSERT_SYS_OK(getsockopt(cl, SOL_SOCKET, SO_ERROR, &e, &len));
  EXPECT_EQ(e, 0);
  // The first connect after completion reports it; later ones say EISCONN.
  EXPECT_SYS_OK(connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  EXPECT_ERRNO(EISCONN, connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ScopedFd srv(accept(l, nullptr, nullptr));
  ASSERT_GE(srv.get(), 0);
}

TEST(TcpSocket, NonBlockingConnectToClosedPortReportsRefusal) {
  sockaddr_in addr = conf::Loopback4();
  // Take a free port and close it again so nothing listens there.
  { ScopedFd tmp(conf::BoundSocket(SOCK_STREAM, addr)); }
  ScopedFd cl(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  errno = 0;
  int rc = connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ASSERT_EQ(rc, -1);
  if (errno == EINPROGRESS) {
    ASSERT_TRUE(conf::WaitFor(cl, POLLOUT) & (POLLOUT | POLLERR));
    int e = 0;
    socklen_t len = sizeof e;
    ASSERT_SYS_OK(getsockopt(cl, SOL_SOCKET, SO_ERROR, &e, &len));
    EXPECT_EQ(e, ECONNREFUSED);
    ASSERT_SYS_OK(getsockopt(cl, SOL_SOCKET, SO_ERROR, &e, &len));
    EXPECT_EQ(e, 0);  // reading SO_ERROR clears it
  } else {
    EXPECT_EQ(errno, ECONNREFUSED);
  }
}

TEST(TcpSocket, BlockingConnectToClosedPortIsRefused) {
  sockaddr_in addr = conf::Loopback4();
  { ScopedFd tmp(conf::BoundSocket(SOCK_STREAM, addr)); }
  ScopedFd cl(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_ERRNO(ECONNREFUSED, connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
}

TEST(TcpSocket, PeekDontwaitWaitallAndTrunc) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  char buf[16] = {};
  EXPECT_ERRNO(EAGAIN, recv(c.server, buf, sizeof buf, MSG_DONTWAIT));
  ASSERT_EQ(send(c.client, "abcd", 4, 0), 4);
  ASSERT_EQ(send(c.client, "efgh", 4, 0), 4);
  ASSERT_TRUE(conf::WaitFor(c.server, POLLIN) & POLLIN);
  // Wait until all eight bytes arrived (loopback delivers promptly).
  int avail = 0;
  for (int i = 0; i < 1000 && avail < 8; ++i) {
    ASSERT_SYS_OK(ioctl(c.server, FIONREAD, &avail));
    if (avail < 8) usleep(1000);
  }
  EXPECT_EQ(avail, 8);
  ASSERT_EQ(recv(c.server, buf, 2, MSG_PEEK), 2);
  EXPECT_EQ(std::string(buf, 2), "ab");
  ASSERT_EQ(recv(c.server, buf, 6, MSG_WAITALL), 6);
  EXPECT_EQ(std::string(buf, 6), "abcdef");
  // MSG_TRUNC on a stream discards without copying.
  memset(buf, 0, sizeof buf);
  ASSERT_EQ(recv(c.server, buf, 1, MSG_TRUNC), 1);
  EXPECT_EQ(buf[0], 0);
  ASSERT_EQ(recv(c.server, buf, sizeof buf, 0), 1);
  EXPECT_EQ(buf[0], 'h');
}

TEST(TcpSocket, ReceiveTimeoutGivesEagain) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  // 100 ms is a whole number of jiffies for every HZ, so it reads back exactly.
  timeval tv{0, 100000};
  ASSERT_SYS_OK(setsockopt(c.server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  timeval got{};
  socklen_t len = sizeof got;
  ASSERT_SYS_OK(getsockopt(c.server, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
  EXPECT_EQ(got.tv_sec, 0);
  EXPECT_EQ(got.tv_usec, 100000);
  char b;
  EXPECT_ERRNO(EAGAIN, recv(c.server, &b, 1, 0));
}

TEST(TcpSocket, LargeTransferArrivesIntact) {
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  ASSERT_SYS_OK(fcntl(c.client, F_SETFL, O_NONBLOCK));
  ASSERT_SYS_OK(fcntl(c.server, F_SETFL, O_NONBLOCK));
  const size_t kSize = 8 << 20;
  std::vector<unsigned char> out(kSize), in(kSize);
  for (size_t i = 0; i < kSize; ++i) out[i] = static_cast<unsigned char>(i * 7 + (i >> 12));
  size_t sent = 0, got = 0;
  while (got < kSize) {
    if (sent < kSize) {
      ssize_t n = send(c.client, out.data() + sent, kSize - sent, 0);
      if (n < 0) ASSERT_EQ(errno, EAGAIN);
      else sent += static_cast<size_t>(n);
    }
    ssize_t n = recv(c.server, in.data() + got, kSize - got, 0);
    if (n < 0) {
      ASSERT_EQ(errno, EAGAIN);
      pollfd p[2] = {{c.server, POLLIN, 0}, {c.client, static_cast<short>(sent < kSize ? POLLOUT : 0), 0}};
      ASSERT_GT(poll(p, 2, 10000), 0);
    } else {
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
  }
  EXPECT_TRUE(in == out);
}

TEST(TcpSocket, ProtocolOptionsRoundTrip) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  int one = 1, v = 0;
  socklen_t len = sizeof v;
  ASSERT_SYS_OK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
  ASSERT_SYS_OK(getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &len));
  EXPECT_EQ(v, 1);
  for (int opt : {SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE}) {
    ASSERT_SYS_OK(setsockopt(s, SOL_SOCKET, opt, &one, sizeof one));
    v = 0;
    len = sizeof v;
    ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, opt, &v, &len));
    EXPECT_EQ(v, 1) << opt;
  }
  EXPECT_ERRNO(EINVAL, setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, 1));
  EXPECT_ERRNO(ENOPROTOOPT, getsockopt(s, IPPROTO_TCP, 9999, &v, &len));
  ScopedFd s6(socket(AF_INET6, SOCK_STREAM, 0));
  ASSERT_SYS_OK(setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
  len = sizeof v;
  ASSERT_SYS_OK(getsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len));
  EXPECT_EQ(v, 1);
}

TEST(TcpSocket, BindToPortInUseIsEaddrinuse) {
  sockaddr_in addr = conf::Loopback4();
  ScopedFd a(conf::BoundSocket(SOCK_STREAM, addr));
  ASSERT_SYS_OK(listen(a, 1));
  ScopedFd b(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_ERRNO(EADDRINUSE, bind(b, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
}

TEST(TcpSocket, Ipv6LoopbackConnects) {
  sockaddr_in6 addr = conf::Loopback6();
  ScopedFd l(conf::BoundSocket6(SOCK_STREAM, addr));
  if (l.get() < 0 && errno == EADDRNOTAVAIL) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_GE(l.get(), 0);
  ASSERT_SYS_OK(listen(l, 4));
  ScopedFd cl(socket(AF_INET6, SOCK_STREAM, 0));
  ASSERT_SYS_OK(connect(cl, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  sockaddr_in6 from{};
  socklen_t len = sizeof from;
  ScopedFd srv(accept(l, reinterpret_cast<sockaddr*>(&from), &len));
  ASSERT_GE(srv.get(), 0);
  EXPECT_EQ(len, sizeof from);
  EXPECT_EQ(from.sin6_family, AF_INET6);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&from.sin6_addr));
  ASSERT_EQ(send(cl, "v6", 2, 0), 2);
  char buf[4];
  ASSERT_EQ(recv(srv, buf, sizeof buf, 0), 2);
}

// ---- malformed addresses get Linux's errors

TEST(TcpBadInput, ShortAddressLengthIsEinval) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a = conf::Loopback4();
  EXPECT_ERRNO(EINVAL, bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a - 1));
  EXPECT_ERRNO(EINVAL, bind(s, reinterpret_cast<sockaddr*>(&a), 0));
  EXPECT_ERRNO(EINVAL, connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a - 1));
  EXPECT_ERRNO(EINVAL, bind(s, reinterpret_cast<sockaddr*>(&a), -1));
  sockaddr_storage big{};
  memcpy(&big, &a, sizeof a);
  EXPECT_ERRNO(EINVAL, bind(s, reinterpret_cast<sockaddr*>(&big), sizeof big + 1));
  ScopedFd s6(socket(AF_INET6, SOCK_STREAM, 0));
  sockaddr_in6 a6 = conf::Loopback6();
  // IPv6 accepts the 24-byte RFC 2133 sockaddr_in6 (no scope id); shorter is EINVAL.
  EXPECT_ERRNO(EINVAL, bind(s6, reinterpret_cast<sockaddr*>(&a6), 23));
  EXPECT_ERRNO(EINVAL, connect(s6, reinterpret_cast<sockaddr*>(&a6), 8));
}

TEST(TcpBadInput, WrongFamilyIsEafnosupport) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in6 a6 = conf::Loopback6();
  EXPECT_ERRNO(EAFNOSUPPORT, bind(s, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  EXPECT_ERRNO(EAFNOSUPPORT, connect(s, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  ScopedFd s6(socket(AF_INET6, SOCK_STREAM, 0));
  sockaddr_in6 bad6 = conf::Loopback6();
  bad6.sin6_family = AF_INET;
  EXPECT_ERRNO(EAFNOSUPPORT, connect(s6, reinterpret_cast<sockaddr*>(&bad6), sizeof bad6));
}

TEST(TcpBadInput, BadPointersAreEfault) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_ERRNO(EFAULT, bind(s, static_cast<sockaddr*>(conf::kOnePtr), sizeof(sockaddr_in)));
  EXPECT_ERRNO(EFAULT, connect(s, static_cast<sockaddr*>(conf::kKernelPtr), sizeof(sockaddr_in)));
  Conn c;
  ASSERT_NO_FATAL_FAILURE(Connect4(c));
  EXPECT_ERRNO(EFAULT, send(c.client, conf::kOnePtr, 16, 0));
  ASSERT_EQ(send(c.client, "abc", 3, 0), 3);
  ASSERT_TRUE(conf::WaitFor(c.server, POLLIN) & POLLIN);
  EXPECT_ERRNO(EFAULT, recv(c.server, conf::kOnePtr, 16, 0));
  socklen_t len = sizeof(sockaddr_in);
  EXPECT_ERRNO(EFAULT, getsockname(c.server, static_cast<sockaddr*>(conf::kOnePtr), &len));
}

TEST(TcpBadInput, OperationsOnWrongStateFail) {
  ScopedFd s(socket(AF_INET, SOCK_STREAM, 0));
  char b;
  EXPECT_ERRNO(ENOTCONN, recv(s, &b, 1, 0));
  EXPECT_ERRNO(EPIPE, send(s, "x", 1, MSG_NOSIGNAL));
  EXPECT_ERRNO(ENOTCONN, shutdown(s, SHUT_RDWR));
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  EXPECT_ERRNO(ENOTCONN, getpeername(s, reinterpret_cast<sockaddr*>(&peer), &len));
  EXPECT_ERRNO(EINVAL, accept(s, nullptr, nullptr));
  EXPECT_ERRNO(EINVAL, shutdown(s, 3));
}

}  // namespace
