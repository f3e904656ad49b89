// The lxss daemon: `lx --daemon`, one per host user. Listens on
// runtime_dir()/lxss.sock (directory 0700, socket 0600, peers must have our
// uid), keeps one Instance per running distro root, serves sessions
// (Session.h) and the terminate / shutdown / list-running / status requests,
// drops instances idle for idle_timeout and exits when none is left.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lxss/Instance.h"
#include "lxss/Protocol.h"

namespace lx::lxss {

// $XDG_RUNTIME_DIR/lx, else /tmp/lx-UID.
std::string runtime_dir();
std::string socket_path();
std::string pid_file_path();  // flock'ed by the daemon: one per user

// Builds the instance of a session's distro; error is one line.
using InstanceFactory = std::function<std::unique_ptr<Instance>(const SessionRequest&, std::string& error)>;

struct DaemonOptions {
  std::chrono::milliseconds idle_timeout{15000};  // LX_IDLE_TIMEOUT (seconds) of the daemon's environment
  InstanceFactory make_instance;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions opts);
  // Runs until shutdown or until idle with no instance; returns the exit status.
  int run();

  // ---- for Session (thread-safe)
  // The running instance of req's root, started if needed; counts a session.
  std::shared_ptr<Instance> attach(const SessionRequest& req, std::string& error);
  void detach(const std::shared_ptr<Instance>& inst);
  void wake();
  // SIGTERM & co: end every instance and exit (thread-safe).
  void request_shutdown();

 private:
  void serve(int fd);
  void handle_request(int fd, Reader& msg, std::vector<int>& fds);
  bool terminate(const std::string& lx_home, const std::string& name);
  void shutdown_all();
  std::string status_text();
  // Drops dead and idle instances; returns whether the daemon should exit.
  bool housekeeping();

  DaemonOptions opts_;
  std::mutex mu_;  // guards everything below
  std::condition_variable conns_done_;
  std::map<std::string, std::shared_ptr<Instance>> instances_;  // by rootfs
  int connections_ = 0;
  bool shutting_down_ = false;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  std::mutex start_mu_;  // one instance start at a time (starts are short)
  int wake_fds_[2] = {-1, -1};
};

}  // namespace lx::lxss
