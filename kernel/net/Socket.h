// The socket layer: an abstract Socket (an open file description) that every
// address family implements, and the kernel-side forms of what the socket
// syscalls carry (addresses, message data, control messages).
//
// Division of work (kernel/syscalls/socket*.cpp is the other half):
// - the syscall layer copies addresses and msghdrs in and out of guest
//   memory, validates flags and lengths, parses and builds control messages
//   (SCM_RIGHTS fds are looked up / installed there), applies SOCK_NONBLOCK
//   and SOCK_CLOEXEC, blocks (vfs/FileWait) when a non-blocking operation
//   says EAGAIN, honours SO_RCVTIMEO/SO_SNDTIMEO, and raises SIGPIPE once on
//   EPIPE unless MSG_NOSIGNAL;
// - a family implements the operations below without sleeping, except
//   connect(), which may block itself (it knows what it waits for: a
//   backlog slot, a host connect) and must then release the big lock
//   through wait_event()/wait_until() and return kErestartsys on signals.
//
// All methods run under the kernel's big lock. Readiness (poll_events(),
// wait_queue() or host_poll_fd()) must change whenever an operation that
// said EAGAIN could now progress, and the family wakes its queue then.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/base/UserMemory.h"
#include "kernel/net/SocketAbi.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Task;

// A socket address as the guest passed it (sockaddr bytes, at most
// sockaddr_storage). len == 0: no address.
struct SockAddr {
  std::array<uint8_t, abi::kSockaddrStorageSize> bytes{};
  uint32_t len = 0;

  int family() const { return len >= 2 ? bytes[0] | (bytes[1] << 8) : -1; }
  std::span<const uint8_t> view() const { return {bytes.data(), len}; }
  static SockAddr from(std::span<const uint8_t> b);
};

// The data of one message: the guest's iovecs (sendmsg/recvmsg) or a kernel
// buffer (read/write on a socket), consumed front to back by a family.
// Copies that fault are EFAULT; the cursor then stays where it was.
class MsgData {
 public:
  MsgData(const GuestMemory& mem, std::vector<abi::Iovec> iov);
  explicit MsgData(std::span<uint8_t> kernel_out);         // receive into
  explicit MsgData(std::span<const uint8_t> kernel_in);    // send from

  uint64_t size() const { return total_; }
  uint64_t done() const { return done_; }
  uint64_t remaining() const { return total_ - done_; }
  // Copies the next dst.size() (<= remaining()) bytes of the message out.
  Result<void> take(std::span<uint8_t> dst);
  // Stores src (<= remaining()) into the next bytes of the message.
  Result<void> put(std::span<const uint8_t> src);
  // Guest mode: the rest of the message if it is one guest buffer (for I/O
  // made straight on guest memory); nullopt otherwise.
  std::optional<abi::Iovec> single_guest_buffer() const;

 private:
  template <typename Fn>
  Result<void> walk(uint64_t n, Fn fn);

  const GuestMemory* mem_ = nullptr;
  std::vector<abi::Iovec> iov_;  // guest mode
  uint8_t* kbuf_ = nullptr;      // kernel mode
  uint64_t total_ = 0;
  uint64_t done_ = 0;
  size_t idx_ = 0;     // guest mode cursor: iovec index
  uint64_t in_ = 0;    // and offset inside it
};

// Control data of a message, parsed (send) or to be delivered (receive).
struct MsgControl {
  std::vector<OpenFileRef> rights;     // SCM_RIGHTS, in order
  std::optional<abi::Ucred> creds;     // SCM_CREDENTIALS
  bool empty() const { return rights.empty() && !creds; }
};

struct RecvResult {
  uint64_t len = 0;        // bytes stored into the message
  uint64_t full_len = 0;   // the datagram's whole length (MSG_TRUNC reports it)
  int msg_flags = 0;       // MSG_TRUNC, MSG_EOR; the layer adds MSG_CTRUNC
  SockAddr from;           // sender's address (len 0: none)
  MsgControl control;
};

class Socket : public OpenFile {
 public:
  Socket(int family, int type, int protocol);

  int family() const { return family_; }
  int type() const { return type_; }
  int protocol() const { return protocol_; }
  // Byte streams: a blocking send waits until all is sent, MSG_WAITALL
  // applies to receives.
  bool is_stream() const { return type_ == abi::kSockStream; }

  // ---- operations (defaults: what Linux's sock_no_* give)
  virtual Result<void> bind(Task& t, const SockAddr& addr) { (void)t; (void)addr; return err(EOPNOTSUPP); }
  // May block (see above) unless nonblock; EINPROGRESS/EALREADY as the family defines.
  virtual Result<void> connect(Task& t, const SockAddr& addr, bool nonblock) {
    (void)t; (void)addr; (void)nonblock; return err(EOPNOTSUPP);
  }
  // backlog is already clamped to [0, somaxconn].
  virtual Result<void> listen(Task& t, int backlog) { (void)t; (void)backlog; return err(EOPNOTSUPP); }
  // A connection from the queue, or EAGAIN (the layer waits for POLLIN).
  virtual Result<std::shared_ptr<Socket>> accept(Task& t) { (void)t; return err(EOPNOTSUPP); }
  // Sends from data's cursor: returns bytes taken (> 0, or 0 for an empty
  // message), EAGAIN when nothing could be sent now. `to`: sendto's address
  // (null if none). Control is consumed (moved from) with the first bytes
  // sent, so a retry after a partial send does not repeat it.
  virtual Result<uint64_t> sendmsg(Task& t, MsgData& data, int flags, const SockAddr* to, MsgControl& control) = 0;
  // Receives into data's cursor; EAGAIN when nothing is there yet. flags:
  // the guest's (MSG_PEEK, MSG_TRUNC, ...) minus MSG_DONTWAIT.
  virtual Result<RecvResult> recvmsg(Task& t, MsgData& data, int flags) = 0;
  // how: SHUT_RD/WR/RDWR (validated by the layer).
  virtual Result<void> shutdown(Task& t, int how) { (void)t; (void)how; return err(EOPNOTSUPP); }
  virtual Result<SockAddr> getsockname() = 0;
  virtual Result<SockAddr> getpeername() { return err(ENOTCONN); }
  // Options: the layer copies optval in/out. getsockopt returns the bytes
  // to copy out (the layer truncates to the guest's optlen as Linux does
  // for these options). Families handle their own levels and call the base
  // for SOL_SOCKET options they do not handle.
  virtual Result<std::vector<uint8_t>> getsockopt(Task& t, int level, int name);
  virtual Result<void> setsockopt(Task& t, int level, int name, std::span<const uint8_t> val);
  // SO_ERROR: the pending error, cleared by reading it.
  virtual int take_error() { return 0; }
  // SO_PEERCRED: the peer's credentials at connect/socketpair time.
  virtual abi::Ucred peer_cred() { return {0, ~0u, ~0u}; }
  virtual bool accepting_connections() const { return false; }  // SO_ACCEPTCONN
  // Where a send that said EAGAIN sleeps and when it retries. Default: this
  // socket's own POLLOUT. An unconnected datagram send waits on the
  // receiver it found full instead.
  virtual WaitQueue* send_wait_queue() { return wait_queue(); }
  virtual bool send_ready() { return (poll_events() & (0x0004 | 0x0008)) != 0; }  // POLLOUT | POLLERR

  // For socket I/O made by the guest's own host process (pico::SocketIo,
  // net/HostIo.h): this socket's number there, and a reference that keeps
  // the socket, and so that copy, alive while the I/O is in flight.
  // ENOSYS: not a plain host socket.
  struct HostLoan {
    int fd = -1;
    std::shared_ptr<void> pin;
  };
  virtual Result<HostLoan> lend_host_socket(Task& t) {
    (void)t;
    return err(ENOSYS);
  }

  // ---- OpenFile: read/write are recv/send with no flags.
  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<uint64_t> write(std::span<const uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  std::pair<uint64_t, uint64_t> file_id() override { return {kSockfsDev, ino_}; }

  // ---- SOL_SOCKET state kept for every family
  bool passcred() const { return passcred_; }
  void set_passcred(bool on) { passcred_ = on; }  // accept() inherits the listener's
  int sndbuf() const { return sndbuf_; }
  int rcvbuf() const { return rcvbuf_; }
  // SO_RCVTIMEO / SO_SNDTIMEO: when a blocking receive/send gives up (EAGAIN).
  Deadline recv_deadline() const;
  Deadline send_deadline() const;

  // The owner of fstat's sockfs inode (the creator's fsuid/fsgid; set by
  // the syscall layer for every new socket).
  void set_owner(uint32_t uid, uint32_t gid) { uid_ = uid; gid_ = gid; }

  static constexpr uint64_t kSockfsDev = 8;  // sockfs' anonymous st_dev, as Linux shows (0:8)

 private:
  int family_, type_, protocol_;
  bool passcred_ = false;
  int sndbuf_ = abi::kWmemDefault;
  int rcvbuf_ = abi::kRmemDefault;
  std::chrono::nanoseconds rcvtimeo_{0};  // 0: never
  std::chrono::nanoseconds sndtimeo_{0};
  uint64_t ino_;
  uint32_t uid_ = 0, gid_ = 0;
};

using SocketRef = std::shared_ptr<Socket>;

// The socket behind an open file, or null (ENOTSOCK) if it is not one.
Socket* as_socket(OpenFile& f);

}  // namespace lx
