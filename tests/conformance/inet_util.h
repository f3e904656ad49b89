// Helpers shared by the inet conformance programs (tcp, udp): loopback
// listeners and connected pairs in one process, no threads needed (a
// blocking connect completes through the listen backlog).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "common.h"

namespace conf {

// ScopedFd that can also be assigned (a socket created after its holder).
class Sock {
 public:
  explicit Sock(int fd = -1) : fd_(fd) {}
  ~Sock() { if (fd_ >= 0) close(fd_); }
  Sock(const Sock&) = delete;
  Sock& operator=(const Sock&) = delete;
  Sock& operator=(Sock&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) close(fd_);
      fd_ = o.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  operator int() const { return fd_; }

 private:
  int fd_;
};

inline sockaddr_in Loopback4(uint16_t port = 0) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

inline sockaddr_in6 Loopback6(uint16_t port = 0) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  return a;
}

// A socket bound to an ephemeral loopback port; `addr` receives the name.
template <typename Addr>
inline int BoundSocket(int type, Addr& addr) {
  int fd = socket(addr.sin_family == AF_INET ? AF_INET : AF_INET6, type, 0);
  if (fd < 0) return -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) { close(fd); return -1; }
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) { close(fd); return -1; }
  return fd;
}

inline int BoundSocket6(int type, sockaddr_in6& addr) {
  int fd = socket(AF_INET6, type, 0);
  if (fd < 0) return -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) { close(fd); return -1; }
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) { close(fd); return -1; }
  return fd;
}

// Waits (generously) until fd has one of `events`; returns revents or 0.
inline short WaitFor(int fd, short events, int timeout_ms = 10000) {
  pollfd p{fd, events, 0};
  if (poll(&p, 1, timeout_ms) != 1) return 0;
  return p.revents;
}

}  // namespace conf
