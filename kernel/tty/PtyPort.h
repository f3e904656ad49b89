// The instance's end of a terminal that lives outside the guest: a pty pair
// whose master is held by the host side (lx run's TerminalRelay, later a
// daemon session) instead of a guest process. The guest gets the slave as
// its stdio and controlling terminal, so the line discipline, job control
// (Ctrl-C/Ctrl-Z, tcsetpgrp, SIGTTOU) and SIGWINCH all happen in the
// instance, as WSL1's console relay does.
//
// Every call takes the kernel's big lock itself: the callers are host
// threads that serve no guest task. Nothing here blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/tty/Pty.h"

namespace lx {

class Kernel;

class PtyPort final : private WaitHook {
 public:
  // A new pair from the instance's devpts (through /dev/ptmx), unlocked,
  // with the slave open (O_RDWR | O_NOCTTY) for the guest's stdio.
  static Result<std::unique_ptr<PtyPort>> open(Kernel& kernel, const abi::Winsize& size);
  ~PtyPort() override;
  PtyPort(const PtyPort&) = delete;
  PtyPort& operator=(const PtyPort&) = delete;

  // The slave for the guest (a run_program stdio: stdin that is a pty slave
  // becomes init's controlling terminal).
  const OpenFileRef& slave() const { return slave_; }
  // Drops the port's own slave reference once the guest has it (after the
  // guest's last close the master reads EIO).
  void release_slave();

  // Called (big lock held, so it must only post a note, e.g. write an
  // eventfd) on every change of the pty: output to read, room for input,
  // an end closed. Replaces any previous callback.
  void on_change(std::function<void()> changed);

  // Keystrokes typed at the terminal: the line discipline's input, with
  // ISIG characters signalling the foreground process group. Returns how
  // many bytes were taken (0: the input buffer is full; wait for a change).
  size_t input(std::span<const uint8_t> bytes);
  // The guest's terminal output (after OPOST processing and echo). 0: none
  // now; EIO: every slave is closed.
  Result<size_t> output(std::span<uint8_t> buf);
  // A new window size (TIOCSWINSZ on the master): SIGWINCH to the
  // foreground process group when it changed.
  void resize(const abi::Winsize& size);

 private:
  PtyPort(Kernel& kernel, OpenFileRef master, OpenFileRef slave, PtyRef pty);
  bool woken() override;

  Kernel& kernel_;
  OpenFileRef master_, slave_;
  PtyRef pty_;
  std::function<void()> changed_;
};

}  // namespace lx
