#include "kernel/net/netlink/NetlinkFamily.h"

#include <algorithm>
#include <cstring>

#include "kernel/Kernel.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/net/inet/InetSocket.h"

namespace lx {

namespace {

constexpr int kNetlinkRoute = 0;
constexpr uint16_t kRtmBase = 16;
constexpr uint16_t kRtmMax = 128;  // above every RTM_* type Linux defines today

struct Nlmsghdr {  // struct nlmsghdr
  uint32_t nlmsg_len;
  uint16_t nlmsg_type;
  uint16_t nlmsg_flags;
  uint32_t nlmsg_seq;
  uint32_t nlmsg_pid;
};
static_assert(sizeof(Nlmsghdr) == 16);

struct SockaddrNl {  // struct sockaddr_nl
  uint16_t nl_family;
  uint16_t nl_pad;
  uint32_t nl_pid;
  uint32_t nl_groups;
};
static_assert(sizeof(SockaddrNl) == 12);

constexpr uint32_t nlmsg_align(uint32_t len) { return (len + 3) & ~uint32_t{3}; }

// rtnetlink numbers its message types in fours from RTM_BASE: NEW, DEL,
// GET, SET; the GETs are the queries.
bool is_query(uint16_t type) { return type >= kRtmBase && type < kRtmMax && (type - kRtmBase) % 4 == 2; }

Result<SocketRef> create(Task& t, int type, int protocol) {
  if (type != abi::kSockRaw && type != abi::kSockDgram) return err(ESOCKTNOSUPPORT);
  if (protocol != kNetlinkRoute) return err(EPROTONOSUPPORT);
  // Made in the instance's network, so dumps describe its interfaces.
  auto s = TRY(InetSocket::create(t.kernel().host(), abi::kAfNetlink, type, protocol));
  s->set_send_check(netlink_route_query_only);
  return SocketRef(std::move(s));
}

}  // namespace

Result<void> netlink_route_query_only(std::span<const uint8_t> msg, const SockAddr* to) {
  if (to && to->len >= sizeof(SockaddrNl)) {
    SockaddrNl nl{};
    std::memcpy(&nl, to->bytes.data(), sizeof nl);
    if (nl.nl_pid != 0 || nl.nl_groups != 0) return err(EPERM);
  }
  // Walk the messages as netlink_rcv_skb does; a malformed tail is left to
  // the host, which ignores it.
  size_t off = 0;
  while (msg.size() - off >= sizeof(Nlmsghdr)) {
    Nlmsghdr h{};
    std::memcpy(&h, msg.data() + off, sizeof h);
    if (h.nlmsg_len < sizeof h || h.nlmsg_len > msg.size() - off) break;
    if (!is_query(h.nlmsg_type)) return err(EPERM);
    off += std::min<size_t>(nlmsg_align(h.nlmsg_len), msg.size() - off);
  }
  return {};
}

SocketFamily netlink_family() { return SocketFamily{create, nullptr}; }

}  // namespace lx
