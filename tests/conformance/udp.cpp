// UDP over IPv4/IPv6 loopback: datagram boundaries, sender addresses,
// truncation (MSG_TRUNC both ways), connected sockets and dissolving the
// association, and Linux's errors for malformed addresses.
#include <string>

#include "inet_util.h"

namespace {

using ScopedFd = conf::Sock;

TEST(UdpSocket, SendtoRecvfromKeepsBoundariesAndSender) {
  sockaddr_in ra = conf::Loopback4(), sa = conf::Loopback4();
  ScopedFd r(conf::BoundSocket(SOCK_DGRAM, ra));
  ScopedFd s(conf::BoundSocket(SOCK_DGRAM, sa));
  ASSERT_GE(r.get(), 0);
  ASSERT_GE(s.get(), 0);
  int v = 0;
  socklen_t olen = sizeof v;
  ASSERT_SYS_OK(getsockopt(r, SOL_SOCKET, SO_PROTOCOL, &v, &olen));
  EXPECT_EQ(v, IPPROTO_UDP);
  ASSERT_EQ(sendto(s, "one", 3, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 3);
  ASSERT_EQ(sendto(s, "second", 6, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 6);
  ASSERT_EQ(sendto(s, "", 0, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 0);
  char buf[32];
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ASSERT_EQ(recvfrom(r, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len), 3);
  EXPECT_EQ(len, sizeof from);
  EXPECT_EQ(from.sin_port, sa.sin_port);
  EXPECT_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  ASSERT_EQ(recv(r, buf, sizeof buf, 0), 6);
  EXPECT_EQ(std::string(buf, 6), "second");
  EXPECT_EQ(recv(r, buf, sizeof buf, 0), 0);  // the empty datagram
  EXPECT_ERRNO(EAGAIN, recv(r, buf, sizeof buf, MSG_DONTWAIT));
}

TEST(UdpSocket, TruncationIsReportedBothWays) {
  sockaddr_in ra = conf::Loopback4();
  ScopedFd r(conf::BoundSocket(SOCK_DGRAM, ra));
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(sendto(s, "0123456789", 10, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 10);
  char buf[4];
  ASSERT_EQ(recv(r, buf, sizeof buf, 0), 4);  // the rest of the datagram is lost
  EXPECT_EQ(recv(r, buf, sizeof buf, MSG_TRUNC), 10);  // MSG_TRUNC: the real length
  iovec iov{buf, sizeof buf};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  ASSERT_EQ(recvmsg(r, &mh, MSG_PEEK), 4);
  EXPECT_TRUE(mh.msg_flags & MSG_TRUNC);
  mh.msg_flags = 0;
  ASSERT_EQ(recvmsg(r, &mh, 0), 4);
  EXPECT_TRUE(mh.msg_flags & MSG_TRUNC);
  EXPECT_ERRNO(EAGAIN, recv(r, buf, sizeof buf, MSG_DONTWAIT));
}

TEST(UdpSocket, ConnectedSocketSendsWithoutAddressAndUnspecDisconnects) {
  sockaddr_in ra = conf::Loopback4();
  ScopedFd r(conf::BoundSocket(SOCK_DGRAM, ra));
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  char b;
  EXPECT_ERRNO(EDESTADDRREQ, send(s, "x", 1, 0));
  ASSERT_SYS_OK(connect(s, reinterpret_cast<sockaddr*>(&ra), sizeof ra));
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  ASSERT_SYS_OK(getpeername(s, reinterpret_cast<sockaddr*>(&peer), &len));
  EXPECT_EQ(peer.sin_port, ra.sin_port);
  ASSERT_EQ(send(s, "x", 1, 0), 1);
  ASSERT_EQ(recv(r, &b, 1, 0), 1);
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  ASSERT_SYS_OK(connect(s, &unspec, sizeof unspec));
  len = sizeof peer;
  EXPECT_ERRNO(ENOTCONN, getpeername(s, reinterpret_cast<sockaddr*>(&peer), &len));
}

TEST(UdpSocket, ReadinessFollowsQueue) {
  sockaddr_in ra = conf::Loopback4();
  ScopedFd r(conf::BoundSocket(SOCK_DGRAM, ra));
  pollfd p{r, POLLIN | POLLOUT, 0};
  ASSERT_EQ(poll(&p, 1, 0), 1);
  EXPECT_EQ(p.revents, POLLOUT);
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  ASSERT_EQ(sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 1);
  EXPECT_TRUE(conf::WaitFor(r, POLLIN) & POLLIN);
}

TEST(UdpSocket, Ipv6Loopback) {
  sockaddr_in6 ra = conf::Loopback6();
  ScopedFd r(conf::BoundSocket6(SOCK_DGRAM, ra));
  if (r.get() < 0 && errno == EADDRNOTAVAIL) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_GE(r.get(), 0);
  ScopedFd s(socket(AF_INET6, SOCK_DGRAM, 0));
  ASSERT_EQ(sendto(s, "six", 3, 0, reinterpret_cast<sockaddr*>(&ra), sizeof ra), 3);
  char buf[8];
  sockaddr_in6 from{};
  socklen_t len = sizeof from;
  ASSERT_EQ(recvfrom(r, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len), 3);
  EXPECT_EQ(len, sizeof from);
  EXPECT_EQ(from.sin6_family, AF_INET6);
}

TEST(UdpBadInput, MalformedAddressesGetLinuxErrors) {
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = conf::Loopback4(9);
  EXPECT_ERRNO(EINVAL, sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a - 1));
  EXPECT_ERRNO(EINVAL, bind(s, reinterpret_cast<sockaddr*>(&a), 4));
  EXPECT_ERRNO(EFAULT, sendto(s, "x", 1, 0, static_cast<sockaddr*>(conf::kOnePtr), sizeof a));
  sockaddr_in6 a6 = conf::Loopback6(9);
  EXPECT_ERRNO(EAFNOSUPPORT, bind(s, reinterpret_cast<sockaddr*>(&a6), sizeof a6));
  ScopedFd s6(socket(AF_INET6, SOCK_DGRAM, 0));
  EXPECT_ERRNO(EINVAL, sendto(s6, "x", 1, 0, reinterpret_cast<sockaddr*>(&a6), 23));
  EXPECT_ERRNO(EINVAL, sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), 200));
}

TEST(UdpBadInput, OversizedDatagramIsEmsgsize) {
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a = conf::Loopback4(9);
  std::string big(70000, 'x');
  EXPECT_ERRNO(EMSGSIZE, sendto(s, big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a));
}

TEST(UdpBadInput, SocketOptionsOfTheWrongLevel) {
  ScopedFd s(socket(AF_INET, SOCK_DGRAM, 0));
  int v = 1;
  socklen_t len = sizeof v;
  EXPECT_ERRNO(ENOPROTOOPT, getsockopt(s, SOL_SOCKET, 12345, &v, &len));
  int one = 1;
  ASSERT_SYS_OK(setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one));
  ASSERT_SYS_OK(getsockopt(s, SOL_SOCKET, SO_BROADCAST, &v, &len));
  EXPECT_EQ(v, 1);
  EXPECT_ERRNO(ENOTCONN, shutdown(s, SHUT_RD));
}

}  // namespace
