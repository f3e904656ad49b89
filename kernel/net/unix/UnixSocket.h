// An AF_UNIX socket (unix(7)): SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET.
//
// Model (Linux's af_unix): every socket has a receive queue of messages
// (one per send for datagrams/packets, one per chunk for streams); senders
// append to the peer's queue and are charged the bytes in flight (wmem)
// until the receiver consumes them, which bounds a sender by its SO_SNDBUF.
// A listening socket's queue holds embryo connections: connect() creates
// the server-side socket, links it to the client and queues it; accept()
// hands it out. unix_recvq_full (more queued than the backlog) makes
// connect wait or fail EAGAIN.
//
// Ownership: peers point at each other weakly; a socket's destructor (its
// last open file reference is gone) shuts its peer down (EOF/EPIPE, and
// ECONNRESET if it dies with unread data or unaccepted), frees its queue
// (so descriptors in flight are released) and drops its name. Queued
// embryos are owned by the listener. Everything runs under the big lock.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "kernel/net/Socket.h"
#include "kernel/net/unix/UnixNames.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

class UnixSocket final : public Socket, public std::enable_shared_from_this<UnixSocket> {
 public:
  UnixSocket(std::shared_ptr<UnixNames> names, int type);
  ~UnixSocket() override;
  UnixSocket(const UnixSocket&) = delete;
  UnixSocket& operator=(const UnixSocket&) = delete;

  // socketpair(2): connects a and b to each other with the caller's creds.
  static void pair(const std::shared_ptr<UnixSocket>& a, const std::shared_ptr<UnixSocket>& b,
                   const abi::Ucred& creds);

  Result<void> bind(Task& t, const SockAddr& addr) override;
  Result<void> connect(Task& t, const SockAddr& addr, bool nonblock) override;
  Result<void> listen(Task& t, int backlog) override;
  Result<SocketRef> accept(Task& t) override;
  Result<uint64_t> sendmsg(Task& t, MsgData& data, int flags, const SockAddr* to, MsgControl& control) override;
  Result<RecvResult> recvmsg(Task& t, MsgData& data, int flags) override;
  Result<void> shutdown(Task& t, int how) override;
  Result<SockAddr> getsockname() override;
  Result<SockAddr> getpeername() override;
  int take_error() override;
  abi::Ucred peer_cred() override { return peer_cred_; }
  bool accepting_connections() const override { return state_ == State::Listening; }
  WaitQueue* send_wait_queue() override;
  bool send_ready() override;

  unsigned poll_events() override;
  WaitQueue* wait_queue() override { return &queue_; }
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override;

 private:
  enum class State { Unconnected, Listening, Connected };
  static constexpr int kRcvShutdown = 1, kSendShutdown = 2;

  struct Message {
    std::vector<uint8_t> data;
    uint64_t off = 0;  // streams: bytes already read
    MsgControl control;
    SockAddr from;
    std::weak_ptr<UnixSocket> sender;  // charged `charge` bytes until consumed
    uint64_t charge = 0;
    std::shared_ptr<UnixSocket> embryo;  // listening sockets: a pending connection
  };

  bool connection_oriented() const { return type() != abi::kSockDgram; }
  // A socket found by address for connect/sendto: ENOENT & co from the
  // path walk, ECONNREFUSED if nothing is bound there any more, EPROTOTYPE
  // for another socket type.
  Result<std::shared_ptr<UnixSocket>> lookup(Task& t, const SockAddr& addr);
  Result<void> autobind();
  Result<void> connect_stream(Task& t, const SockAddr& addr, bool nonblock);
  Result<void> connect_dgram(Task& t, const SockAddr& addr);
  bool recvq_full() const;  // unix_recvq_full
  bool writable() const;    // unix_writable
  // Queues a message on this socket (the receiver), charging the sender.
  void enqueue(Message m, const std::shared_ptr<UnixSocket>& sender);
  // Drops the front message, refunding its sender.
  void consume_front();
  Result<uint64_t> send_stream(Task& t, MsgData& data, const SockAddr* to, MsgControl& control);
  Result<uint64_t> send_packet(Task& t, MsgData& data, const SockAddr* to, MsgControl& control);
  Result<RecvResult> recv_stream(MsgData& data, int flags);
  Result<RecvResult> recv_packet(MsgData& data, int flags);
  // Drops references to files one at a time, never recursively.
  static void release_iteratively(std::vector<OpenFileRef> files);
  // The peer went away or shut down: wake both sides' waiters.
  void peer_gone(bool reset);

  std::shared_ptr<UnixNames> names_;
  State state_ = State::Unconnected;
  bool was_connected_ = false;  // ENOTCONN only before the first connection
  bool accepted_ = true;        // false for an embryo still in a listen queue
  int shutdown_ = 0;
  int error_ = 0;               // SO_ERROR / ECONNRESET pending
  int backlog_ = 0;
  uint64_t wmem_ = 0;           // bytes this socket has in flight in receivers' queues
  std::weak_ptr<UnixSocket> peer_;
  std::shared_ptr<UnixSocket> blocked_on_;  // the full receiver an unconnected send waits for
  abi::Ucred peer_cred_{0, ~0u, ~0u};
  abi::Ucred own_cred_{0, ~0u, ~0u};  // set at listen/connect/socketpair
  SockAddr addr_;                      // bound name (len 0: unbound)
  SockAddr peer_name_;                 // the peer's name, kept after it closed
  bool bound_inode_ = false;
  UnixNames::Key inode_{0, 0};
  std::string abstract_;
  bool bound_abstract_ = false;
  std::deque<Message> queue_msgs_;
  WaitQueue queue_;
};

}  // namespace lx
