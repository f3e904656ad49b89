#include "cli/SignalForwarder.h"

#include <pthread.h>
#include <signal.h>

#include "kernel/Kernel.h"

namespace lx::cli {

namespace {

// SIGUSR2 only tells the forwarding thread to stop.
sigset_t forwarded_set(bool with_stop) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
  if (with_stop) sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

void block_forwarded_signals() {
  sigset_t set = forwarded_set(true);
  // Not forwarded: the terminal relay reads it from a signalfd, which needs
  // it blocked in every thread.
  sigaddset(&set, SIGWINCH);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalForwarder::SignalForwarder(Kernel& kernel)
    : kernel_(kernel), thread_([this] {
        const sigset_t set = forwarded_set(true);
        for (;;) {
          int sig = 0;
          if (sigwait(&set, &sig) != 0) continue;
          if (sig == SIGUSR2) return;
          kernel_.external_signal(sig);
        }
      }) {}

SignalForwarder::~SignalForwarder() {
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

}  // namespace lx::cli
