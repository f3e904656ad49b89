// Helpers for the process and signal conformance programs (fork_wait,
// signals, signal_frames, exec, threads): forking a child that runs a
// lambda, waiting with a bound, and restoring signal state between tests.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include <chrono>
#include <functional>

#include "common.h"

namespace conf {

// Forks; the child runs fn and _exits with its result (never returns into
// gtest, whose state the child shares). Returns the child's pid.
inline pid_t ForkChild(const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  return pid;
}

// waitpid that retries EINTR (handlers in these tests run while waiting).
inline pid_t WaitPid(pid_t pid, int* status, int options = 0) {
  pid_t r;
  do r = waitpid(pid, status, options);
  while (r == -1 && errno == EINTR);
  return r;
}

// Polls waitpid(WNOHANG) for up to `ms`; returns its last result.
inline pid_t WaitPidWithin(pid_t pid, int* status, int options, long ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    pid_t r = waitpid(pid, status, options | WNOHANG);
    if (r != 0 || std::chrono::steady_clock::now() >= deadline) return r;
    usleep(1000);
  }
}

inline void SleepMs(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

// Installs a handler (sa_sigaction with SA_SIGINFO unless flags say
// otherwise) and puts the previous disposition back when it goes out of scope.
class ScopedHandler {
 public:
  ScopedHandler(int sig, void (*fn)(int, siginfo_t*, void*), int flags = SA_SIGINFO, sigset_t* mask = nullptr)
      : sig_(sig) {
    struct sigaction sa{};
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    if (mask) sa.sa_mask = *mask;
    else sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, &old_);
  }
  // SIG_DFL / SIG_IGN or a plain handler.
  ScopedHandler(int sig, void (*fn)(int), int flags = 0) : sig_(sig) {
    struct sigaction sa{};
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, &old_);
  }
  ~ScopedHandler() { sigaction(sig_, &old_, nullptr); }
  ScopedHandler(const ScopedHandler&) = delete;
  ScopedHandler& operator=(const ScopedHandler&) = delete;

 private:
  int sig_;
  struct sigaction old_{};
};

// Blocks a set of signals for a scope, then restores the old mask (and
// drops whatever of them is still pending, so tests do not leak signals).
class ScopedBlock {
 public:
  explicit ScopedBlock(std::initializer_list<int> sigs) {
    sigemptyset(&set_);
    for (int s : sigs) sigaddset(&set_, s);
    sigprocmask(SIG_BLOCK, &set_, &old_);
  }
  ~ScopedBlock() {
    timespec zero{0, 0};
    while (sigtimedwait(&set_, nullptr, &zero) > 0) {
    }
    sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedBlock(const ScopedBlock&) = delete;
  ScopedBlock& operator=(const ScopedBlock&) = delete;
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

}  // namespace conf
