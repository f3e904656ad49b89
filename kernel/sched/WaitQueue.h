// Sleeping and waking tasks inside the kernel.
//
// Every syscall handler runs with the kernel's big lock held (Kernel::
// big_lock()). A handler that must block registers its task on one or more
// WaitQueues and sleeps; sleeping releases the big lock, so other tasks run
// their syscalls meanwhile. Whoever changes the condition (a pipe write, a
// futex wake, a child exit) calls wake_all() on the queue, also under the
// big lock, so a wake-up can never fall between a waiter's check and its
// sleep. Signals wake a sleeping task directly (Task::wake()).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace lx {

class Task;

using SteadyClock = std::chrono::steady_clock;

// When a wait gives up. Default: never. Absolute times on other clocks are
// converted to the steady clock when the deadline is made.
struct Deadline {
  std::optional<SteadyClock::time_point> at;

  static Deadline never() { return {}; }
  static Deadline in(std::chrono::nanoseconds d) { return Deadline{SteadyClock::now() + d}; }
  bool expired() const { return at && SteadyClock::now() >= *at; }
};

class WaitQueue;

// A callback wake_all() runs (under the big lock) before waking the sleeping
// tasks: how epoll sees every wake-up of a watched file, for edge-triggered
// reporting and to pass readiness up to the instances that watch it. A hook
// is on at most one queue; either side may go first (a dying queue detaches
// its hooks, a dying hook leaves its queue).
//
// An exclusive hook (EPOLLEXCLUSIVE) is like an exclusive waiter on Linux:
// each wake_all() runs every non-exclusive hook, then exclusive ones in
// order only until one reports that it woke somebody.
class WaitHook {
 public:
  WaitHook() = default;
  WaitHook(const WaitHook&) = delete;
  WaitHook& operator=(const WaitHook&) = delete;
  virtual ~WaitHook() { unhook(); }

  // Leaves any previous queue first.
  void hook(WaitQueue& q, bool exclusive = false);
  void unhook();
  bool hooked() const { return queue_ != nullptr; }

 private:
  friend class WaitQueue;
  // Must not add or remove hooks of the queue that runs it. Returns whether
  // it woke a sleeper (only exclusive hooks are asked).
  virtual bool woken() = 0;
  WaitQueue* queue_ = nullptr;
  bool exclusive_ = false;
};

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue();

  void add(Task& t);
  void remove(Task& t);
  // Wakes every task sleeping on this queue; they re-check their condition.
  void wake_all();
  // Runs the hooks only (epoll still hears the event), for a change no
  // sleeper here can be waiting for.
  void notify_hooks();
  bool empty() const { return waiters_.empty(); }

 private:
  friend class WaitHook;
  std::vector<Task*> waiters_;
  std::vector<WaitHook*> hooks_;
};

// Errors a handler returns when a signal interrupted it, with Linux's
// internal meaning (include/linux/errno.h). The signal code turns them into
// EINTR or a restart of the syscall; the guest never sees these values.
constexpr int kErestartsys = 512;        // restart if the handler has SA_RESTART, else EINTR
constexpr int kErestartnointr = 513;     // always restart
constexpr int kErestartnohand = 514;     // restart unless a handler runs (then EINTR)
constexpr int kErestartRestartblock = 516;
// Not Linux's: the syscall ends with socket I/O that the guest's own host
// process makes when the thread resumes (pico::SocketIo, Task::io_finish).
constexpr int kDeferredIo = 530;

}  // namespace lx
