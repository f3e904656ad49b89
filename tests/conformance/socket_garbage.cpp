// Garbage arguments for the socket calls: bad pointers (NULL, 1, the kernel
// half, non-canonical, a guard page), malformed sockaddr lengths, bad
// msghdrs, huge and malformed control buffers, and descriptors that are not
// open, each many times over. Every call must fail with Linux's errno (or
// succeed where Linux does) and the process must not gain descriptors.
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>

#include <climits>
#include <cstring>
#include <random>
#include <vector>

#include "common.h"

using namespace conf;

namespace {

constexpr int kRepeat = 100;

GuardedPage& Page() {
  static GuardedPage page;
  return page;
}

std::vector<void*> BadPointers() {
  return {kNullPtr, kOnePtr, kKernelPtr, kNonCanonicalPtr, Page().End(), reinterpret_cast<void*>(~0UL)};
}
std::vector<void*> OutOfRangePointers() {
  return {kKernelPtr, kNonCanonicalPtr, reinterpret_cast<void*>(~0UL)};
}

int OpenFds() {
  int n = 0;
  for (int fd = 0; fd < 1024; ++fd)
    if (fcntl(fd, F_GETFD) >= 0) ++n;
  return n;
}

#define EXPECT_ERRNO_EVERY_TIME(expected, ...)                                               \
  do {                                                                                       \
    for (int conf_i_ = 0; conf_i_ < kRepeat; ++conf_i_) {                                    \
      errno = 0;                                                                             \
      long conf_ret_ = (long)(__VA_ARGS__);                                                  \
      auto conf_res_ = ::conf::FailedWith(conf_ret_, errno, expected, #__VA_ARGS__);         \
      if (!conf_res_) {                                                                      \
        ADD_FAILURE() << conf_res_.message() << " (iteration " << conf_i_ << ")";             \
        break;                                                                               \
      }                                                                                      \
    }                                                                                        \
  } while (0)

class SocketGarbage : public ::testing::Test {
 protected:
  void SetUp() override {
    fds_before_ = OpenFds();
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, stream_), 0);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, dgram_), 0);
    ASSERT_GE(file_ = open("/dev/null", O_RDWR), 0);
    sock_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(sock_, 0);
  }
  void TearDown() override {
    for (int fd : {stream_[0], stream_[1], dgram_[0], dgram_[1], file_, sock_}) close(fd);
    EXPECT_EQ(OpenFds(), fds_before_) << "descriptors leaked";
  }
  int stream_[2], dgram_[2], file_ = -1, sock_ = -1, fds_before_ = 0;
  char buf_[256] = {};
};

TEST_F(SocketGarbage, SocketTypesAndFlags) {
  for (int type = 0; type < 16; ++type) {
    int fd = socket(AF_UNIX, type, 0);
    const int e = errno;
    if (type == SOCK_STREAM || type == SOCK_DGRAM || type == SOCK_SEQPACKET || type == SOCK_RAW) {
      EXPECT_GE(fd, 0) << type;
      close(fd);
    } else {
      EXPECT_EQ(fd, -1) << type;
      EXPECT_EQ(e, type >= 11 ? EINVAL : ESOCKTNOSUPPORT) << type;
    }
  }
  for (int bit = 0; bit < 32; ++bit) {
    const int flag = static_cast<int>(1u << bit);
    if (flag == SOCK_NONBLOCK || flag == SOCK_CLOEXEC || flag < 16) continue;
    EXPECT_ERRNO_EVERY_TIME(EINVAL, socket(AF_UNIX, SOCK_STREAM | flag, 0));
  }
  for (int domain : {-1, 46, 1000, INT_MAX, INT_MIN}) EXPECT_ERRNO_EVERY_TIME(EAFNOSUPPORT, socket(domain, SOCK_STREAM, 0));
  for (void* p : BadPointers()) EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, p));
}

TEST_F(SocketGarbage, SockaddrLengths) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, "/tmp/lx-garbage-never-created");
  for (int len : {-1, INT_MIN, 1, 111, 128}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, bind(sock_, reinterpret_cast<sockaddr*>(&a), Opaque(len)));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, connect(sock_, reinterpret_cast<sockaddr*>(&a), Opaque(len)));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, sendto(dgram_[0], "x", 1, 0, reinterpret_cast<sockaddr*>(&a), Opaque(len)));
  }
  for (int len : {129, 4096, INT_MAX}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, bind(sock_, reinterpret_cast<sockaddr*>(&a), Opaque(len)));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, connect(sock_, reinterpret_cast<sockaddr*>(&a), Opaque(len)));
  }
  // A wrong family with a plausible length.
  a.sun_family = AF_INET;
  EXPECT_ERRNO_EVERY_TIME(EINVAL, connect(sock_, reinterpret_cast<sockaddr*>(&a), sizeof a));
}

TEST_F(SocketGarbage, AddressPointers) {
  for (void* p : BadPointers()) {
    if (p == kNullPtr) continue;
    EXPECT_ERRNO_EVERY_TIME(EFAULT, bind(sock_, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, connect(sock_, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    // connect copies the address before it asks whether the fd is a socket.
    EXPECT_ERRNO_EVERY_TIME(EFAULT, connect(file_, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    EXPECT_ERRNO_EVERY_TIME(ENOTSOCK, bind(file_, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    EXPECT_ERRNO_EVERY_TIME(EBADF, bind(-1, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, sendto(dgram_[0], "x", 1, 0, static_cast<sockaddr*>(p), sizeof(sockaddr_un)));
    socklen_t len = sizeof(sockaddr_un);
    EXPECT_ERRNO_EVERY_TIME(EFAULT, getsockname(sock_, static_cast<sockaddr*>(p), &len));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, getsockname(sock_, reinterpret_cast<sockaddr*>(buf_), static_cast<socklen_t*>(p)));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, getpeername(stream_[0], reinterpret_cast<sockaddr*>(buf_), static_cast<socklen_t*>(p)));
  }
  socklen_t neg = Opaque(static_cast<socklen_t>(-1));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, getsockname(sock_, reinterpret_cast<sockaddr*>(buf_), &neg));
  // A zero length copies nothing, whatever the pointer, and reports the real length.
  socklen_t zero = 0;
  EXPECT_EQ(getsockname(sock_, static_cast<sockaddr*>(kKernelPtr), &zero), 0);
  EXPECT_EQ(zero, sizeof(sa_family_t));
  EXPECT_ERRNO_EVERY_TIME(ENOTCONN, getpeername(sock_, static_cast<sockaddr*>(kOnePtr), &zero));
  // accept with garbage pointers but nothing to accept.
  EXPECT_ERRNO_EVERY_TIME(EINVAL, accept(sock_, static_cast<sockaddr*>(kOnePtr), static_cast<socklen_t*>(kKernelPtr)));
}

TEST_F(SocketGarbage, DataPointers) {
  for (void* p : OutOfRangePointers()) {
    // The buffer range is checked before the descriptor.
    EXPECT_ERRNO_EVERY_TIME(EFAULT, sendto(-1, p, 16, 0, nullptr, 0));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, recvfrom(-1, p, 16, 0, nullptr, nullptr));
  }
  for (void* p : BadPointers()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, send(stream_[0], p, 16, MSG_DONTWAIT));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, send(dgram_[0], p, 16, MSG_DONTWAIT));
  }
  ASSERT_EQ(send(stream_[0], "keep", 4, 0), 4);
  for (void* p : BadPointers()) EXPECT_ERRNO_EVERY_TIME(EFAULT, recv(stream_[1], p, 16, 0));
  // A stream keeps what a faulting receive could not store.
  EXPECT_EQ(recv(stream_[1], buf_, sizeof buf_, 0), 4);
  // A datagram is dequeued before the copy: a faulting receive loses it.
  ASSERT_EQ(send(dgram_[0], "lost", 4, 0), 4);
  EXPECT_EQ(recv(dgram_[1], kOnePtr, 4, 0), -1);
  EXPECT_EQ(recv(dgram_[1], buf_, sizeof buf_, MSG_DONTWAIT), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_ERRNO_EVERY_TIME(EBADF, send(INT_MAX, buf_, 1, 0));
  EXPECT_ERRNO_EVERY_TIME(ENOTSOCK, send(file_, buf_, 1, 0));
}

TEST_F(SocketGarbage, Options) {
  int v = 0;
  socklen_t len = sizeof v;
  for (void* p : BadPointers()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, getsockopt(sock_, SOL_SOCKET, SO_TYPE, p, &len));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, getsockopt(sock_, SOL_SOCKET, SO_TYPE, &v, static_cast<socklen_t*>(p)));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, setsockopt(sock_, SOL_SOCKET, SO_SNDBUF, p, sizeof v));
  }
  for (int l : {-1, INT_MIN}) EXPECT_ERRNO_EVERY_TIME(EINVAL, setsockopt(sock_, SOL_SOCKET, SO_SNDBUF, &v, Opaque(l)));
  for (int l : {0, 1, 3}) EXPECT_ERRNO_EVERY_TIME(EINVAL, setsockopt(sock_, SOL_SOCKET, SO_SNDBUF, &v, Opaque(l)));
  // Huge option lengths read only the option's own size.
  std::vector<char> big(1 << 16);
  EXPECT_EQ(setsockopt(sock_, SOL_SOCKET, SO_PASSCRED, big.data(), big.size()), 0);
  EXPECT_ERRNO_EVERY_TIME(EBADF, getsockopt(-1, SOL_SOCKET, SO_TYPE, &v, &len));
  EXPECT_ERRNO_EVERY_TIME(ENOTSOCK, getsockopt(file_, SOL_SOCKET, SO_TYPE, &v, &len));
}

TEST_F(SocketGarbage, Msghdrs) {
  iovec iov{buf_, 4};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  for (void* p : BadPointers()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, sendmsg(dgram_[0], static_cast<msghdr*>(p), 0));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, recvmsg(dgram_[1], static_cast<msghdr*>(p), MSG_DONTWAIT));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, sendmmsg(dgram_[0], static_cast<mmsghdr*>(p), 1, 0));
    msghdr bad = m;
    bad.msg_iov = static_cast<iovec*>(p);
    if (p != kNullPtr) EXPECT_ERRNO_EVERY_TIME(EFAULT, sendmsg(dgram_[0], &bad, 0));
    bad = m;
    bad.msg_control = p;
    bad.msg_controllen = 64;
    EXPECT_ERRNO_EVERY_TIME(EFAULT, sendmsg(dgram_[0], &bad, 0));
  }
  for (size_t n : {size_t{1025}, size_t{1} << 20, SIZE_MAX}) {
    msghdr bad = m;
    bad.msg_iovlen = n;
    EXPECT_ERRNO_EVERY_TIME(EMSGSIZE, sendmsg(dgram_[0], &bad, 0));
    EXPECT_ERRNO_EVERY_TIME(EMSGSIZE, recvmsg(dgram_[1], &bad, MSG_DONTWAIT));
  }
  for (size_t n : {size_t{131073}, size_t{1} << 30, size_t{0x80000000}, SIZE_MAX}) {
    msghdr bad = m;
    bad.msg_control = buf_;
    bad.msg_controllen = n;
    EXPECT_ERRNO_EVERY_TIME(ENOBUFS, sendmsg(dgram_[0], &bad, 0));
  }
  msghdr bad = m;
  bad.msg_name = buf_;
  bad.msg_namelen = -5;
  EXPECT_ERRNO_EVERY_TIME(EINVAL, sendmsg(dgram_[0], &bad, 0));
  timespec ts{0, 2000000000};
  mmsghdr mm{};
  mm.msg_hdr = m;
  EXPECT_ERRNO_EVERY_TIME(EINVAL, recvmmsg(dgram_[1], &mm, 1, MSG_DONTWAIT, &ts));
  EXPECT_ERRNO_EVERY_TIME(EFAULT, recvmmsg(dgram_[1], &mm, 1, MSG_DONTWAIT, static_cast<timespec*>(kOnePtr)));
  EXPECT_EQ(sendmmsg(dgram_[0], &mm, 0, 0), 0);
}

TEST_F(SocketGarbage, RightsOfClosedAndBogusFds) {
  for (int fd : {-1, 1023, INT_MAX, INT_MIN}) {
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{buf_, 1};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    EXPECT_ERRNO_EVERY_TIME(EBADF, sendmsg(dgram_[0], &m, 0));
    EXPECT_ERRNO_EVERY_TIME(EBADF, sendmsg(stream_[0], &m, 0));
  }
}

// Random control buffers: whatever Linux answers, it is one of a few errnos
// or a success whose descriptors the receiver gets and closes; nothing leaks.
TEST_F(SocketGarbage, RandomControlMessages) {
  std::mt19937 rng(12345);
  const int levels[] = {SOL_SOCKET, 0, 41, -1};
  const int types[] = {SCM_RIGHTS, SCM_RIGHTS, SCM_CREDENTIALS, 3, 99};
  for (int round = 0; round < 2000; ++round) {
    alignas(cmsghdr) unsigned char ctl[512] = {};
    size_t used = 0;
    const int count = static_cast<int>(rng() % 3);
    for (int i = 0; i < count && used + sizeof(cmsghdr) <= sizeof ctl; ++i) {
      cmsghdr h{};
      h.cmsg_level = levels[rng() % 4];
      h.cmsg_type = types[rng() % 5];
      const size_t nints = rng() % 6;
      const size_t lens[] = {CMSG_LEN(nints * 4), CMSG_LEN(nints * 4) + 1, 0, 15, 17, 4096, CMSG_LEN(12)};
      h.cmsg_len = lens[rng() % 7];
      std::memcpy(ctl + used, &h, sizeof h);
      for (size_t k = 0; k < nints && used + sizeof h + 4 * (k + 1) <= sizeof ctl; ++k) {
        int v = (rng() % 4 == 0) ? static_cast<int>(rng()) : static_cast<int>(rng() % 4);
        std::memcpy(ctl + used + sizeof h + 4 * k, &v, 4);
      }
      used += CMSG_SPACE(nints * 4);
    }
    iovec iov{buf_, 1 + rng() % 8};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = std::min(sizeof ctl, used + rng() % 8);
    const int s = (rng() % 2) ? dgram_[0] : stream_[0];
    ssize_t r = sendmsg(s, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r < 0) {
      const int e = errno;
      EXPECT_TRUE(e == EINVAL || e == EBADF || e == EPERM || e == ESRCH || e == EAGAIN) << ErrnoName(e);
      continue;
    }
    // Drain both receivers with random control room, closing what arrives.
    for (int rfd : {dgram_[1], stream_[1]}) {
      for (;;) {
        alignas(cmsghdr) unsigned char rc[512];
        iovec riov{buf_, sizeof buf_};
        msghdr rm{};
        rm.msg_iov = &riov;
        rm.msg_iovlen = 1;
        rm.msg_control = rc;
        rm.msg_controllen = rng() % sizeof rc;
        if (recvmsg(rfd, &rm, MSG_DONTWAIT) < 0) break;
        for (cmsghdr* c = CMSG_FIRSTHDR(&rm); c; c = CMSG_NXTHDR(&rm, c)) {
          if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
          const size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (size_t k = 0; k < n; ++k) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof fd);
            close(fd);
          }
        }
      }
    }
  }
}

}  // namespace
