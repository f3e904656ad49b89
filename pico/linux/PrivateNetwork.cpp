#include "pico/linux/PrivateNetwork.h"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace pico {

namespace {

// What travels over the channel (both ends are this file).
struct Request {
  int32_t domain, type, protocol;
};
struct Reply {
  int32_t error;  // 0: an fd follows as SCM_RIGHTS (or, first, "ready")
};

// Control buffer for exactly one fd, aligned for cmsghdr.
union FdControl {
  char buf[CMSG_SPACE(sizeof(int))];
  cmsghdr align;
};

template <typename F>
auto retry_eintr(F f) {
  for (;;) {
    auto rc = f();
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

// ---- the helper (a forked child of a possibly multi-threaded provider:
// only async-signal-safe calls from here to _exit).

bool send_reply(int chan, int error, int fd) {
  Reply r{error};
  iovec iov{&r, sizeof r};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  FdControl ctl{};
  if (fd >= 0) {
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  return retry_eintr([&] { return ::sendmsg(chan, &m, MSG_NOSIGNAL); }) == static_cast<ssize_t>(sizeof r);
}

// Keeps only `keep`: the helper must not hold the provider's other fds
// (guest pipes, other instances' sockets), or their readers would miss EOF.
void close_all_but(int keep) {
  const bool ok = (keep == 0 || ::close_range(0, static_cast<unsigned>(keep) - 1, 0) == 0) &&
                  ::close_range(static_cast<unsigned>(keep) + 1, UINT_MAX, 0) == 0;
  if (ok) return;
  for (int fd = 0; fd < 65536; ++fd)
    if (fd != keep) ::close(fd);
}

// The namespace's loopback starts down; up, it has 127.0.0.1/8 and ::1.
int bring_loopback_up() {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  ifreq r{};
  std::memcpy(r.ifr_name, "lo", 3);
  int e = 0;
  if (::ioctl(s, SIOCGIFFLAGS, &r) < 0) e = errno;
  r.ifr_flags = static_cast<short>(r.ifr_flags | IFF_UP);
  if (e == 0 && ::ioctl(s, SIOCSIFFLAGS, &r) < 0) e = errno;
  ::close(s);
  return e;
}

[[noreturn]] void helper_main(int chan) {
  close_all_but(chan);
  // Its own session: a terminal's Ctrl-C or hang-up is for lx, not for it.
  ::setsid();
  // A new user namespace makes the (unprivileged) helper its owner, with
  // the capabilities a network namespace of its own needs. No uid/gid map
  // is written: the helper only makes sockets, and the sockets' owners and
  // the provider's later calls on them keep their host identities. Where
  // user namespaces are off, a privileged lx (CAP_SYS_ADMIN) still gets a
  // network namespace alone.
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
    const int e = errno;
    if (::unshare(CLONE_NEWNET) < 0) {
      send_reply(chan, e, -1);
      ::_exit(1);
    }
  }
  if (const int e = bring_loopback_up(); e != 0) {
    send_reply(chan, e, -1);
    ::_exit(1);
  }
  if (!send_reply(chan, 0, -1)) ::_exit(1);
  for (;;) {
    Request q{};
    const ssize_t n = retry_eintr([&] { return ::recv(chan, &q, sizeof q, 0); });
    if (n <= 0) ::_exit(0);  // the provider closed its end (or died)
    int fd = -1, e = 0;
    if (n != static_cast<ssize_t>(sizeof q)) e = EINVAL;
    else if (q.domain != AF_INET && q.domain != AF_INET6 && q.domain != AF_NETLINK) e = EAFNOSUPPORT;
    else if ((fd = ::socket(q.domain, q.type | SOCK_CLOEXEC, q.protocol)) < 0) e = errno;
    const bool sent = send_reply(chan, e, fd);
    if (fd >= 0) ::close(fd);
    if (!sent) ::_exit(1);
  }
}

// ---- the provider's side.

// One reply, with the fd it carries (-1 if none). nullopt-like: error is
// ENOBUFS when the helper is gone.
Reply receive_reply(int chan, int& fd) {
  fd = -1;
  Reply r{ENOBUFS};
  iovec iov{&r, sizeof r};
  FdControl ctl{};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl.buf;
  m.msg_controllen = sizeof ctl.buf;
  const ssize_t n = retry_eintr([&] { return ::recvmsg(chan, &m, MSG_CMSG_CLOEXEC); });
  for (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&m) : nullptr; c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) continue;
    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  if (n != static_cast<ssize_t>(sizeof r)) r.error = ENOBUFS;
  if (r.error != 0 && fd >= 0) {
    ::close(fd);
    fd = -1;
  }
  return r;
}

void reap(pid_t pid) {
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<std::unique_ptr<PrivateNetwork>> PrivateNetwork::start() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return lx::err(errno);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    return lx::err(e);
  }
  if (pid == 0) helper_main(sv[1]);
  ::close(sv[1]);
  int fd = -1;
  const Reply ready = receive_reply(sv[0], fd);
  if (fd >= 0) ::close(fd);
  if (ready.error != 0) {
    ::close(sv[0]);
    reap(pid);
    return lx::err(ready.error);
  }
  return std::unique_ptr<PrivateNetwork>(new PrivateNetwork(sv[0], pid));
}

PrivateNetwork::~PrivateNetwork() {
  ::close(channel_);
  reap(helper_);
}

Result<int> PrivateNetwork::open_socket(int domain, int type, int protocol) {
  const std::lock_guard lock(mu_);
  const Request q{domain, type, protocol};
  if (retry_eintr([&] { return ::send(channel_, &q, sizeof q, MSG_NOSIGNAL); }) != static_cast<ssize_t>(sizeof q))
    return lx::err(ENOBUFS);
  int fd = -1;
  const Reply r = receive_reply(channel_, fd);
  if (r.error != 0) return lx::err(r.error);
  if (fd < 0) return lx::err(ENOBUFS);
  return fd;
}

}  // namespace pico
