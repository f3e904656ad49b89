#include "cli/RawTerminal.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <initializer_list>

namespace lx::cli {

namespace {

// One terminal at a time: what the exit and signal paths restore. Plain
// globals so the signal handler only touches async-signal-safe state.
int g_fd = -1;
struct termios g_saved;

void restore_saved() {
  if (g_fd >= 0) tcsetattr(g_fd, TCSADRAIN, &g_saved);
}

void on_fatal_signal(int sig) {
  restore_saved();
  // SA_RESETHAND made the action the default again: die of the same signal.
  raise(sig);
}

void install_exit_paths() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  atexit(restore_saved);
  struct sigaction sa{};
  sa.sa_handler = on_fatal_signal;
  sa.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(sig, &sa, nullptr);
}

}  // namespace

RawTerminal::RawTerminal(int fd) {
  if (g_fd >= 0) return;
  struct termios saved;
  if (tcgetattr(fd, &saved) != 0) return;
  g_saved = saved;
  g_fd = fd;
  install_exit_paths();
  struct termios raw = saved;
  cfmakeraw(&raw);
  // TCSANOW: keys typed ahead of the guest are kept for it.
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    g_fd = -1;
    return;
  }
  active_ = true;
}

RawTerminal::~RawTerminal() {
  if (!active_) return;
  restore_saved();
  g_fd = -1;
}

}  // namespace lx::cli
