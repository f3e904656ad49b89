// The Linux backend's private network (--net=none): sockets from
// LinuxHost::open_socket live in a namespace of the host's own with only a
// loopback, separate from the host's and from other instances'.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include <gtest/gtest.h>

#include "pico/linux/LinuxHost.h"

namespace {

std::unique_ptr<pico::LinuxHost> make_host(bool private_network) {
  pico::LinuxHostOptions opts;
  opts.private_network = private_network;
  auto h = pico::LinuxHost::create(opts);
  EXPECT_TRUE(h.ok()) << "LinuxHost::create (private_network=" << private_network << "): " << h.error();
  return h.ok() ? h.release_value() : nullptr;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A host listener on an ephemeral loopback port; returns its fd, sets port.
int host_listener(uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(0);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  port = ntohs(a.sin_port);
  return fd;
}

int bind_listen(pico::LinuxHost& host, uint16_t port) {
  auto fd = host.open_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_TRUE(fd.ok()) << fd.error();
  if (!fd.ok()) return -1;
  const int one = 1;
  ::setsockopt(fd.value(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  if (::bind(fd.value(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.value(), 4) != 0) {
    const int e = errno;
    ::close(fd.value());
    errno = e;
    return -1;
  }
  return fd.value();
}

int connect_to(int fd, uint16_t port) {
  sockaddr_in a = loopback(port);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
}

TEST(PrivateNetwork, SocketsBindAPortTheHostHoldsAndCannotReachTheHost) {
  auto host = make_host(true);
  ASSERT_TRUE(host);
  uint16_t port = 0;
  const int listener = host_listener(port);
  const int priv = bind_listen(*host, port);
  EXPECT_GE(priv, 0) << "bind in the private network: " << std::strerror(errno);
  // A client in the private network reaches the private listener...
  auto c = host->open_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(connect_to(c.value(), port), 0);
  const int accepted = ::accept4(priv, nullptr, nullptr, SOCK_CLOEXEC);
  EXPECT_GE(accepted, 0);
  // ... and a host client reaches the host's, never the private one.
  const int h = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_EQ(connect_to(h, port), 0);
  const int host_side = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  EXPECT_GE(host_side, 0);
  for (int fd : {accepted, host_side, h, c.value(), priv, listener})
    if (fd >= 0) ::close(fd);
}

TEST(PrivateNetwork, PrivateSocketsCannotConnectToAHostListener) {
  auto host = make_host(true);
  ASSERT_TRUE(host);
  uint16_t port = 0;
  const int listener = host_listener(port);
  auto c = host->open_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(connect_to(c.value(), port), ECONNREFUSED);
  ::close(c.value());
  ::close(listener);
}

TEST(PrivateNetwork, TwoInstancesHaveSeparateNetworks) {
  auto a = make_host(true);
  auto b = make_host(true);
  ASSERT_TRUE(a && b);
  const int la = bind_listen(*a, 4242);
  const int lb = bind_listen(*b, 4242);
  EXPECT_GE(la, 0) << std::strerror(errno);
  EXPECT_GE(lb, 0) << "the same port in another instance: " << std::strerror(errno);
  for (int fd : {la, lb})
    if (fd >= 0) ::close(fd);
}

TEST(PrivateNetwork, SharedNetworkIsTheHosts) {
  auto host = make_host(false);
  ASSERT_TRUE(host);
  uint16_t port = 0;
  const int listener = host_listener(port);
  auto c = host->open_socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(connect_to(c.value(), port), 0);
  ::close(c.value());
  ::close(listener);
}

TEST(PrivateNetwork, ErrorsAreSocketsOwnAndOtherFamiliesAreRefused) {
  auto host = make_host(true);
  ASSERT_TRUE(host);
  auto bad_type = host->open_socket(AF_INET, 12345, 0);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_EQ(bad_type.error(), EINVAL);
  auto bad_proto = host->open_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);
  ASSERT_FALSE(bad_proto.ok());
  EXPECT_EQ(bad_proto.error(), EPROTONOSUPPORT);
  // The helper makes network sockets only.
  auto unix_sock = host->open_socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_FALSE(unix_sock.ok());
  EXPECT_EQ(unix_sock.error(), EAFNOSUPPORT);
  // Sockets come back close-on-exec, and the channel keeps working.
  auto ok = host->open_socket(AF_INET6, SOCK_DGRAM, 0);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_TRUE(::fcntl(ok.value(), F_GETFD) & FD_CLOEXEC);
  ::close(ok.value());
}

// Our host children (any state, zombies included), from /proc.
std::set<int> children() {
  std::set<int> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "re");
    if (!f) continue;
    char buf[512] = {};
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const char* close_paren = std::strrchr(buf, ')');  // comm may hold spaces
    int ppid = 0;
    if (n > 0 && close_paren && std::sscanf(close_paren + 1, " %*c %d", &ppid) == 1 && ppid == ::getpid())
      out.insert(pid);
  }
  ::closedir(d);
  return out;
}

TEST(PrivateNetwork, TheHelperIsAChildWhileTheHostLivesAndReapedWithIt) {
  const std::set<int> before = children();
  auto host = make_host(true);
  ASSERT_TRUE(host);
  EXPECT_GT(children().size(), before.size()) << "no helper process";
  host.reset();
  for (int pid : children()) EXPECT_TRUE(before.count(pid)) << "child " << pid << " left over";
}

}  // namespace
