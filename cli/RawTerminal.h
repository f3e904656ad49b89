// Puts a host terminal in raw mode for as long as the object lives, so every
// key (Ctrl-C and Ctrl-Z included) reaches the instance's own line
// discipline instead of the host's. The saved mode comes back on every way
// out of lx that can run code: the destructor, exit(), and the fatal
// signals (restored, then re-raised).
#pragma once

#include <termios.h>

namespace lx::cli {

class RawTerminal {
 public:
  explicit RawTerminal(int fd);  // active() is false if fd's mode cannot be changed
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

}  // namespace lx::cli
