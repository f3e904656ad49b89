// The N_TTY line discipline of one terminal, without any I/O of its own:
// input (what the master writes) is edited into lines or passed raw, echoed
// and scanned for signal characters; output (what the slave writes) goes
// through OPOST processing into the queue the master reads. Callers hold
// the big lock; nothing here blocks or sends signals (receive() reports the
// signals for the caller to send).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "kernel/tty/Termios.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx::tty {

class LineDiscipline {
 public:
  // Linux's N_TTY_BUF_SIZE: the input a terminal holds before its writer waits.
  static constexpr size_t kInputMax = 4096;
  // Output the master has not read yet before slave writers wait.
  static constexpr size_t kOutputMax = 65536;

  LineDiscipline();

  const abi::Termios& termios() const { return termios_; }
  // TCSETS*: switching ICANON re-files pending input (lines <-> raw bytes).
  void set_termios(const abi::Termios& t);

  // Input from the master side. Consumes bytes until the input is full;
  // returns how many it took. Signals to send to the foreground process
  // group (SIGINT/SIGQUIT/SIGTSTP) are appended to `signals`.
  size_t receive(std::span<const uint8_t> data, std::vector<int>& signals);
  // Output from the slave side; returns how many bytes were taken.
  size_t write(std::span<const uint8_t> data);

  // Slave reads. canonical: at most one line; a line ended by VEOF with no
  // bytes reads as 0 (end of file). Raw: what is there.
  size_t read(std::span<uint8_t> buf);
  // Whether a read of `want` bytes would return now (VMIN counted in raw mode).
  bool read_ready(size_t want) const;
  // poll(2)'s POLLIN: a line, or VMIN (at least 1) raw bytes.
  bool poll_readable() const;
  // What FIONREAD reports on the slave: bytes a read could take now.
  size_t input_available() const;
  bool input_full() const;

  // Master reads of the output queue.
  size_t read_output(std::span<uint8_t> buf);
  size_t output_pending() const { return out_.size(); }
  bool output_full() const { return out_.size() >= kOutputMax; }

  void flush_input();
  void flush_output() { out_.clear(); }

 private:
  bool lflag(uint32_t bit) const { return (termios_.c_lflag & bit) != 0; }
  bool iflag(uint32_t bit) const { return (termios_.c_iflag & bit) != 0; }
  bool is_cc(uint8_t c, int slot) const { return termios_.c_cc[slot] != kVdisable && termios_.c_cc[slot] == c; }
  size_t committed() const;
  void receive_char(uint8_t c, std::vector<int>& signals);
  void erase(uint8_t c);  // VERASE / VWERASE / VKILL
  void commit();
  // Echo: ^X for control characters under ECHOCTL, else the character
  // through output processing.
  void echo(uint8_t c);
  void echo_raw(const char* s);
  void output_char(uint8_t c);

  abi::Termios termios_;
  std::deque<std::string> lines_;  // canonical: finished lines
  std::string edit_;               // canonical: the line being edited
  std::string raw_;                // non-canonical input
  bool lnext_ = false;             // the previous character was VLNEXT
  std::deque<uint8_t> out_;        // to the master
};

}  // namespace lx::tty
