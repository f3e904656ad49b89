// An instance's own network (`lx run --net=none`): a host network namespace
// holding only a loopback, owned by a helper process the provider forks at
// instance start. The helper enters a new user + network namespace
// (unprivileged), brings `lo` up and then only makes sockets on request,
// handing each back over a socketpair (SCM_RIGHTS). A socket stays in the
// namespace it was made in for good, so the provider uses these fds like
// any other host socket and the host's processes cannot reach them.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>

#include "kernel/base/Result.h"

namespace pico {

using lx::Result;

class PrivateNetwork {
 public:
  // Forks the helper and waits until its namespace is ready. Fails with the
  // errno of the step that failed (EPERM/ENOSPC/EINVAL from unshare when
  // unprivileged user namespaces are unavailable); nothing is left behind.
  static Result<std::unique_ptr<PrivateNetwork>> start();
  // Closes the channel (the helper exits at EOF) and reaps the helper.
  ~PrivateNetwork();
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  // socket(2) inside the namespace; the fd comes back close-on-exec.
  // Thread-safe. EAFNOSUPPORT for families other than AF_INET, AF_INET6
  // and AF_NETLINK; ENOBUFS if the helper is gone.
  Result<int> open_socket(int domain, int type, int protocol);

 private:
  PrivateNetwork(int channel, pid_t helper) : channel_(channel), helper_(helper) {}

  std::mutex mu_;  // one request/reply pair in flight
  int channel_;    // SOCK_SEQPACKET, our end
  pid_t helper_;
};

}  // namespace pico
