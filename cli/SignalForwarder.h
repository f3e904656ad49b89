// Signals sent to the `lx` process itself (Ctrl-C in its terminal, kill,
// a closed terminal). The guest runs in other host sessions, so the terminal
// cannot reach it: lx forwards SIGINT/SIGQUIT to the guest's foreground
// process group and ends the instance on SIGTERM/SIGHUP.
#pragma once

#include <thread>

namespace lx {
class Kernel;
}

namespace lx::cli {

// Blocks the forwarded signals in the calling thread; call first thing in
// main so every thread started later (host, kernel, timers) inherits it and
// only the forwarder ever receives them.
void block_forwarded_signals();

class SignalForwarder {
 public:
  explicit SignalForwarder(Kernel& kernel);
  ~SignalForwarder();  // stops the forwarding thread
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  Kernel& kernel_;
  std::thread thread_;
};

}  // namespace lx::cli
