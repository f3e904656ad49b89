#include "kernel/net/inet/InetOptions.h"

#include <algorithm>
#include <iterator>

#include "kernel/net/SocketAbi.h"

namespace lx {

namespace {

constexpr int kSoBindtodevice = 25;
constexpr int kSoMark = 36;
constexpr int kSoBindtoifindex = 62;

constexpr int kHostSocketOpts[] = {
    abi::kSoDebug,    abi::kSoReuseaddr, abi::kSoDontroute, abi::kSoBroadcast, abi::kSoSndbuf,
    abi::kSoRcvbuf,   abi::kSoKeepalive, abi::kSoOobinline, abi::kSoPriority,  abi::kSoLinger,
    abi::kSoReuseport, abi::kSoRcvlowat, abi::kSoSndbufforce, abi::kSoRcvbufforce, kSoBindtodevice,
    kSoMark,          kSoBindtoifindex,
};

constexpr int kIpprotoIp = 0;
constexpr int kIpprotoTcp = 6;
constexpr int kIpprotoUdp = 17;
constexpr int kIpprotoIpv6 = 41;
constexpr int kSolNetlink = 270;  // membership, ack and strictness flags: plain ints
// TCP_ZEROCOPY_RECEIVE carries a guest address the host would map into.
constexpr int kTcpZerocopyReceive = 35;

}  // namespace

bool host_socket_option(int name) {
  return std::find(std::begin(kHostSocketOpts), std::end(kHostSocketOpts), name) != std::end(kHostSocketOpts);
}

bool host_protocol_option(int level, int name) {
  switch (level) {
    case kIpprotoIp:
    case kIpprotoUdp:
    case kIpprotoIpv6:
    case kSolNetlink: return true;
    case kIpprotoTcp: return name != kTcpZerocopyReceive;
    default: return false;
  }
}

}  // namespace lx
