#include "cli/TerminalRelay.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <vector>

#include "kernel/tty/PtyPort.h"

namespace lx::cli {

namespace {

void post(int efd) {
  const uint64_t one = 1;
  (void)!::write(efd, &one, sizeof one);
}

void drain(int fd) {
  std::array<uint8_t, 256> buf{};
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
}

// False once the output side is gone (the terminal closed).
bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd pfd{fd, POLLOUT, 0};
        (void)::poll(&pfd, 1, -1);
        continue;
      }
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

std::optional<abi::Winsize> host_winsize(int fd) {
  struct winsize w{};
  if (::ioctl(fd, TIOCGWINSZ, &w) != 0) return std::nullopt;
  return abi::Winsize{w.ws_row, w.ws_col, w.ws_xpixel, w.ws_ypixel};
}

TerminalRelay::TerminalRelay(PtyPort& port, TerminalEnds ends)
    : port_(port),
      ends_(std::move(ends)),
      notify_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      stop_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  const int notify = notify_fd_;
  port_.on_change([notify] { post(notify); });
  thread_ = std::thread([this] { loop(); });
}

TerminalRelay::~TerminalRelay() {
  post(stop_fd_);
  thread_.join();
  port_.on_change(nullptr);
  ::close(notify_fd_);
  ::close(stop_fd_);
}

void TerminalRelay::loop() {
  std::vector<uint8_t> typed;  // read from the terminal, not yet taken by the pty
  std::array<uint8_t, 4096> buf{};
  bool input_open = ends_.input_fd >= 0, output_open = true;
  for (;;) {
    // The guest's output first, so a stop still writes everything it left.
    for (;;) {
      Result<size_t> n = port_.output(buf);
      if (!n.ok() || n.value() == 0) break;
      if (output_open && ends_.output_fd >= 0) output_open = write_all(ends_.output_fd, buf.data(), n.value());
    }
    uint64_t stop = 0;
    if (::read(stop_fd_, &stop, sizeof stop) == sizeof stop) return;
    if (!typed.empty()) typed.erase(typed.begin(), typed.begin() + static_cast<long>(port_.input(typed)));

    std::array<pollfd, 4> fds{};
    size_t count = 0;
    fds[count++] = {notify_fd_, POLLIN, 0};
    fds[count++] = {stop_fd_, POLLIN, 0};
    const size_t input_slot = count;
    if (input_open && typed.empty()) fds[count++] = {ends_.input_fd, POLLIN, 0};
    const size_t winch_slot = count;
    if (ends_.winch_fd >= 0) fds[count++] = {ends_.winch_fd, POLLIN, 0};
    if (::poll(fds.data(), count, -1) < 0) continue;  // EINTR

    if (fds[0].revents) drain(notify_fd_);
    if (input_slot < winch_slot && fds[input_slot].revents) {
      const ssize_t n = ::read(ends_.input_fd, buf.data(), buf.size());
      if (n > 0) typed.assign(buf.begin(), buf.begin() + n);
      else if (n == 0 || (errno != EINTR && errno != EAGAIN)) input_open = false;  // the terminal is gone
    }
    if (winch_slot < count && fds[winch_slot].revents) {
      drain(ends_.winch_fd);
      if (ends_.winsize)
        if (std::optional<abi::Winsize> w = ends_.winsize()) port_.resize(*w);
    }
  }
}

}  // namespace lx::cli
