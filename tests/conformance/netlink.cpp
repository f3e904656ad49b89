// NETLINK_ROUTE as glibc uses it: getifaddrs (RTM_GETLINK + RTM_GETADDR
// dumps) and if_nameindex see the loopback interface and its address; a
// raw dump ends with NLMSG_DONE; other netlink protocols and socket types
// are refused as Linux refuses them.
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <string>

#include "inet_util.h"

namespace {

using ScopedFd = conf::Sock;

TEST(NetlinkRoute, GetifaddrsListsLoopbackWithItsAddress) {
  ifaddrs* list = nullptr;
  ASSERT_SYS_OK(getifaddrs(&list));
  bool lo_link = false, lo_v4 = false;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (std::string(i->ifa_name) != "lo" || !i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_PACKET) lo_link = true;
    if (i->ifa_addr->sa_family == AF_INET) {
      lo_v4 = reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
      EXPECT_TRUE(i->ifa_flags & IFF_LOOPBACK);
      EXPECT_TRUE(i->ifa_flags & IFF_UP);
    }
  }
  freeifaddrs(list);
  EXPECT_TRUE(lo_link);
  EXPECT_TRUE(lo_v4);
}

TEST(NetlinkRoute, IfNameindexFindsLoopback) {
  unsigned idx = if_nametoindex("lo");
  EXPECT_GT(idx, 0u);
  char name[IF_NAMESIZE];
  ASSERT_NE(if_indextoname(idx, name), nullptr);
  EXPECT_EQ(std::string(name), "lo");
  EXPECT_EQ(if_nametoindex("no-such-if0"), 0u);
}

TEST(NetlinkRoute, LinkDumpEndsWithDone) {
  ScopedFd s(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  ASSERT_GE(s.get(), 0);
  sockaddr_nl self{};
  self.nl_family = AF_NETLINK;
  ASSERT_SYS_OK(bind(s, reinterpret_cast<sockaddr*>(&self), sizeof self));
  socklen_t len = sizeof self;
  ASSERT_SYS_OK(getsockname(s, reinterpret_cast<sockaddr*>(&self), &len));
  EXPECT_EQ(self.nl_family, AF_NETLINK);
  struct {
    nlmsghdr h;
    ifinfomsg i;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 42;
  req.i.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ASSERT_EQ(sendto(s, &req, sizeof req, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel),
            static_cast<ssize_t>(sizeof req));
  static char buf[65536];
  bool done = false, saw_link = false;
  for (int rounds = 0; !done && rounds < 1000; ++rounds) {
    ssize_t n = recv(s, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, static_cast<unsigned>(n)); h = NLMSG_NEXT(h, n)) {
      EXPECT_EQ(h->nlmsg_seq, 42u);
      if (h->nlmsg_type == NLMSG_DONE) done = true;
      if (h->nlmsg_type == RTM_NEWLINK) saw_link = true;
      ASSERT_NE(h->nlmsg_type, NLMSG_ERROR);
    }
  }
  EXPECT_TRUE(done);
  EXPECT_TRUE(saw_link);
}

TEST(NetlinkRoute, UnsupportedProtocolOrTypeIsRefused) {
  EXPECT_ERRNO(ESOCKTNOSUPPORT, socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
  EXPECT_ERRNO(EPROTONOSUPPORT, socket(AF_NETLINK, SOCK_RAW, 99));
  int sv[2];
  EXPECT_ERRNO(EOPNOTSUPP, socketpair(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, sv));
}

}  // namespace
