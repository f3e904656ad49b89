// An AF_INET/AF_INET6 socket backed by a host socket the provider owns.
//
// The instance shares the host's network stack (as WSL1 does), or has one
// of its own with only a loopback (--net=none): bind, connect, listen and
// accept are the host's, so addresses, ports, routing and every error the
// host kernel gives are exactly Linux's. The host
// socket is always non-blocking: the socket layer (kernel/net/SocketIo)
// waits on host_poll_fd() with the big lock released, and the guest's
// O_NONBLOCK, SO_RCVTIMEO and SO_SNDTIMEO live on the guest side only.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "kernel/net/Socket.h"
#include "pico/Host.h"

namespace lx {

class Mm;

class InetSocket final : public Socket, public std::enable_shared_from_this<InetSocket> {
 public:
  // Takes ownership of host_fd (non-blocking, close-on-exec).
  InetSocket(int family, int type, int protocol, int host_fd);
  ~InetSocket() override;
  InetSocket(const InetSocket&) = delete;
  InetSocket& operator=(const InetSocket&) = delete;

  // A new host socket for socket(2), in the instance's network (the
  // host's own or a private one: pico::Host::open_socket); the host
  // validates type and protocol.
  static Result<std::shared_ptr<InetSocket>> create(pico::Host& host, int family, int type, int protocol);

  // Vets each outgoing message (its bytes and destination, null if none)
  // before the host sees it: the netlink family uses the same host-socket
  // plumbing but only lets queries through.
  using SendCheck = Result<void> (*)(std::span<const uint8_t> msg, const SockAddr* to);
  void set_send_check(SendCheck check) { send_check_ = check; }

  Result<void> bind(Task& t, const SockAddr& addr) override;
  Result<void> connect(Task& t, const SockAddr& addr, bool nonblock) override;
  Result<void> listen(Task& t, int backlog) override;
  Result<SocketRef> accept(Task& t) override;
  Result<uint64_t> sendmsg(Task& t, MsgData& data, int flags, const SockAddr* to, MsgControl& control) override;
  Result<RecvResult> recvmsg(Task& t, MsgData& data, int flags) override;
  Result<void> shutdown(Task& t, int how) override;
  Result<SockAddr> getsockname() override;
  Result<SockAddr> getpeername() override;
  Result<std::vector<uint8_t>> getsockopt(Task& t, int level, int name) override;
  Result<void> setsockopt(Task& t, int level, int name, std::span<const uint8_t> val) override;
  int take_error() override;
  bool accepting_connections() const override;

  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override;
  unsigned poll_events() override;
  int host_poll_fd() const override { return fd_; }
  // Stream sockets only (and never netlink's vetted ones): a copy of the
  // host socket in t's host process, made once per process.
  Result<HostLoan> lend_host_socket(Task& t) override;

 private:
  Result<void> wait_connected(Task& t);

  int fd_;
  Result<uint64_t> send_piece(MsgData& data, uint64_t n, int flags, const SockAddr* to);
  Result<RecvResult> recv_piece(MsgData& data, uint64_t n, int flags);

  SendCheck send_check_ = nullptr;
  // Guest processes holding a copy of fd_ (pico Process::lend_socket), with
  // its number there; each is reclaimed before fd_ closes.
  std::vector<std::pair<std::weak_ptr<Mm>, int>> loans_;
};

}  // namespace lx
