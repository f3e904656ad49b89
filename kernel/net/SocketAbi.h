// Socket constants and structure layouts of the Linux x86-64 ABI
// (include/linux/socket.h, include/uapi/asm-generic/socket.h). Values are
// facts of the ABI; guests see them unchanged.
#pragma once

#include <cstdint>

namespace lx::abi {

// ---- address families (AF_MAX bounds socket(2)'s domain)
constexpr int kAfUnspec = 0;
constexpr int kAfUnix = 1;
constexpr int kAfInet = 2;
constexpr int kAfInet6 = 10;
constexpr int kAfNetlink = 16;
constexpr int kAfMax = 46;

// ---- socket types; the high bits of socket(2)'s type are flags
constexpr int kSockStream = 1;
constexpr int kSockDgram = 2;
constexpr int kSockRaw = 3;
constexpr int kSockRdm = 4;
constexpr int kSockSeqpacket = 5;
constexpr int kSockMax = 11;  // SOCK_MAX: types at or above are EINVAL
constexpr int kSockTypeMask = 0xf;
constexpr int kSockNonblock = 04000;      // == O_NONBLOCK
constexpr int kSockCloexec = 02000000;    // == O_CLOEXEC

// ---- send/recv flags
constexpr int kMsgOob = 0x1;
constexpr int kMsgPeek = 0x2;
constexpr int kMsgDontroute = 0x4;
constexpr int kMsgCtrunc = 0x8;
constexpr int kMsgTrunc = 0x20;
constexpr int kMsgDontwait = 0x40;
constexpr int kMsgEor = 0x80;
constexpr int kMsgWaitall = 0x100;
constexpr int kMsgConfirm = 0x800;
constexpr int kMsgErrqueue = 0x2000;
constexpr int kMsgNosignal = 0x4000;
constexpr int kMsgMore = 0x8000;
constexpr int kMsgWaitforone = 0x10000;
constexpr int kMsgCmsgCloexec = 0x40000000;

// ---- shutdown(2)
constexpr int kShutRd = 0;
constexpr int kShutWr = 1;
constexpr int kShutRdwr = 2;

// ---- socket options
constexpr int kSolSocket = 1;
constexpr int kSoDebug = 1;
constexpr int kSoReuseaddr = 2;
constexpr int kSoType = 3;
constexpr int kSoError = 4;
constexpr int kSoDontroute = 5;
constexpr int kSoBroadcast = 6;
constexpr int kSoSndbuf = 7;
constexpr int kSoRcvbuf = 8;
constexpr int kSoKeepalive = 9;
constexpr int kSoOobinline = 10;
constexpr int kSoPriority = 12;
constexpr int kSoLinger = 13;
constexpr int kSoReuseport = 15;
constexpr int kSoPasscred = 16;
constexpr int kSoPeercred = 17;
constexpr int kSoRcvlowat = 18;
constexpr int kSoSndlowat = 19;
constexpr int kSoRcvtimeo = 20;  // SO_RCVTIMEO_OLD: struct timeval
constexpr int kSoSndtimeo = 21;
constexpr int kSoAcceptconn = 30;
constexpr int kSoSndbufforce = 32;
constexpr int kSoRcvbufforce = 33;
constexpr int kSoProtocol = 38;
constexpr int kSoDomain = 39;

// ---- control messages
constexpr int kScmRights = 1;
constexpr int kScmCredentials = 2;
constexpr int kScmMaxFd = 253;  // SCM_MAX_FD: fds per message

// sysctl defaults of a stock kernel (net.core.*); the guest sees these.
constexpr int kWmemDefault = 212992;
constexpr int kRmemDefault = 212992;
constexpr int kWmemMax = 212992;
constexpr int kRmemMax = 212992;
constexpr int kSockMinSndbuf = 4608;  // SOCK_MIN_SNDBUF
constexpr int kSockMinRcvbuf = 2304;  // SOCK_MIN_RCVBUF
constexpr int kSomaxconn = 4096;
constexpr uint64_t kOptmemMax = 131072;  // net.core.optmem_max: control buffer limit

constexpr uint32_t kSockaddrStorageSize = 128;
constexpr int kUioMaxiov = 1024;

struct Msghdr {  // struct user_msghdr
  uint64_t msg_name;
  int32_t msg_namelen;
  uint32_t pad0;
  uint64_t msg_iov;
  uint64_t msg_iovlen;
  uint64_t msg_control;
  uint64_t msg_controllen;
  int32_t msg_flags;
  uint32_t pad1;
};
static_assert(sizeof(Msghdr) == 56);

struct Mmsghdr {
  Msghdr msg_hdr;
  uint32_t msg_len;
  uint32_t pad;
};
static_assert(sizeof(Mmsghdr) == 64);

struct Cmsghdr {
  uint64_t cmsg_len;
  int32_t cmsg_level;
  int32_t cmsg_type;
};
static_assert(sizeof(Cmsghdr) == 16);

constexpr uint64_t cmsg_align(uint64_t len) { return (len + 7) & ~uint64_t{7}; }
constexpr uint64_t cmsg_len(uint64_t data) { return sizeof(Cmsghdr) + data; }
constexpr uint64_t cmsg_space(uint64_t data) { return sizeof(Cmsghdr) + cmsg_align(data); }

struct Ucred {
  int32_t pid;
  uint32_t uid;
  uint32_t gid;
};
static_assert(sizeof(Ucred) == 12);

}  // namespace lx::abi
