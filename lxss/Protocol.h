// The lxss daemon's wire format: length-prefixed messages on a unix stream
// socket, host fds alongside by SCM_RIGHTS. A message is
//   u32 length (of what follows), u8 kind, fields...
// with fields u32 (little-endian), string (u32 length + bytes) and string
// list (u32 count + strings). Both ends are the same `lx` binary (the
// daemon is `lx --daemon`), so there is no versioning beyond kProtocolVersion
// in the hello of every request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lx::lxss {

inline constexpr uint32_t kProtocolVersion = 2;
inline constexpr uint32_t kMaxMessage = 1u << 20;  // argv+env of one session fit easily
inline constexpr int kMaxFds = 3;

enum class MsgKind : uint8_t {
  // client -> daemon requests (first message of a connection)
  RunSession = 1,  // SessionRequest; fds 0, 1, 2 attached
  Terminate = 2,   // lx_home, name
  Shutdown = 3,
  ListRunning = 4,  // lx_home
  Status = 5,
  // client -> daemon during a session
  Signal = 10,  // u32 signal number (SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH)
  // daemon -> client
  Started = 20,  // u32 guest pid
  Exited = 21,   // u32 shell-style status
  Error = 22,    // u32 status, string message (one line)
  Ok = 23,
  Names = 24,  // string list
  Text = 25,   // string
};

class Writer {
 public:
  explicit Writer(MsgKind kind);
  Writer& u32(uint32_t v);
  Writer& str(const std::string& s);
  Writer& strs(const std::vector<std::string>& v);
  // The framed message (length prefix filled in).
  const std::string& finish();

 private:
  std::string buf_;
};

// Reads fields in order; any short or oversized field makes ok() false and
// every later read return a default, so a malformed message is one check.
class Reader {
 public:
  Reader(MsgKind kind, std::string payload) : kind_(kind), buf_(std::move(payload)) {}
  MsgKind kind() const { return kind_; }
  uint32_t u32();
  std::string str();
  std::vector<std::string> strs();
  // Every field was there and nothing is left over.
  bool ok() const { return ok_ && pos_ == buf_.size(); }
  bool failed() const { return !ok_; }

 private:
  MsgKind kind_;
  std::string buf_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Sends a whole message (with fds, if any) on a stream socket; false on
// error (errno set). Retries EINTR, never raises SIGPIPE.
bool send_message(int sock, Writer& msg, const std::vector<int>& fds = {});
// Receives one message; fds received (at most kMaxFds, O_CLOEXEC) are
// appended to *fds (closed when fds is null). nullopt on EOF or a
// malformed/oversized message (errno 0 on clean EOF).
std::optional<Reader> recv_message(int sock, std::vector<int>* fds = nullptr);

// What `lx` asks for when it runs a command in a distro through the daemon.
struct SessionRequest {
  // The instance: a registry (LX_HOME) and distro name, its root and the
  // instance-wide settings from its lx.conf (they apply when it starts).
  std::string lx_home, name, rootfs, hostname;
  std::string net = "host";         // [network] mode: host or none
  std::vector<std::string> mounts;  // HOST \n GUEST \n ro|rw triples, flattened
  // Interop (empty: off): GUEST \n HOST pairs, flattened, of the mounts whose
  // programs run on the host and of every guest<->host path mapping; the
  // host directory of the guest's "/".
  std::vector<std::string> interop_mounts, paths;
  std::string root_host_dir;
  // The process.
  std::string prog;  // as given: a name without '/' is looked up in envp's PATH
  std::vector<std::string> argv, envp;
  std::string cwd;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
};

Writer encode(const SessionRequest& r);
std::optional<SessionRequest> decode_session(Reader& r);

}  // namespace lx::lxss
