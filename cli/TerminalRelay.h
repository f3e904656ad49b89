// Relays a host terminal (or anything that looks like one: a socket of a
// daemon session) to an instance's pty (lx::PtyPort) on its own thread:
// bytes read from `input_fd` are typed at the pty, the pty's output is
// written to `output_fd`, and each time `winch_fd` becomes readable (a
// signalfd for SIGWINCH, an eventfd, ...) it is drained and `winsize()` is
// passed on as the pty's new window size (SIGWINCH in the guest).
//
// The relay never owns the fds. The destructor writes out whatever output
// the guest left and stops the thread; it does not close the pty.
#pragma once

#include <functional>
#include <optional>
#include <thread>

#include "kernel/vfs/GuestFlags.h"

namespace lx {
class PtyPort;
}

namespace lx::cli {

struct TerminalEnds {
  int input_fd = -1;   // -1: nothing to type
  int output_fd = -1;  // -1: output is read and dropped
  int winch_fd = -1;   // -1: the size never changes
  std::function<std::optional<abi::Winsize>()> winsize;
};

class TerminalRelay {
 public:
  TerminalRelay(PtyPort& port, TerminalEnds ends);
  ~TerminalRelay();
  TerminalRelay(const TerminalRelay&) = delete;
  TerminalRelay& operator=(const TerminalRelay&) = delete;

 private:
  void loop();

  PtyPort& port_;
  TerminalEnds ends_;
  int notify_fd_ = -1;  // eventfd: the pty changed
  int stop_fd_ = -1;    // eventfd: finish
  std::thread thread_;
};

// The host side of a local terminal: its current size (TIOCGWINSZ), if any.
std::optional<abi::Winsize> host_winsize(int fd);

}  // namespace lx::cli
