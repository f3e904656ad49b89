#include "kernel/Task.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kernel/Kernel.h"
#include "kernel/proc/PidFd.h"

namespace lx {

Mm::Mm(std::unique_ptr<pico::Process> proc) : pico_(std::move(proc)), mem_(*pico_, &map_) {
  map_.set_reserved(pico_->reserved());
}

Mm::~Mm() { pico_->kill(); }

uint64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

ThreadGroup::ThreadGroup(Kernel& kernel, std::shared_ptr<Mm> mm, int pid)
    : kernel_(kernel), mm_(std::move(mm)), fds_(std::make_shared<FdTable>()), pid_(pid) {}

ThreadGroup::ThreadGroup(Kernel& kernel, std::unique_ptr<pico::Process> proc, int pid)
    : ThreadGroup(kernel, std::make_shared<Mm>(std::move(proc)), pid) {}

ThreadGroup::~ThreadGroup() { pid_handle_released(*this); }

void ThreadGroup::release_vfork_parent() {
  if (!vfork_parent) return;
  vfork_parent->vfork_done = true;
  vfork_parent->wake();
  vfork_parent = nullptr;
}

int ThreadGroup::ppid() const { return parent ? parent->pid() : 0; }

Task::~Task() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool Task::sleep(const Deadline& deadline) {
  bool timed_out = false;
  if (lock) {
    thread_->note_blocking();
    while (!woken_ && !timed_out) {
      if (deadline.at)
        timed_out = cv_.wait_until(*lock, *deadline.at) == std::cv_status::timeout && !woken_;
      else
        cv_.wait(*lock);
    }
  }
  woken_ = false;
  return !timed_out;
}

void Task::wake() {
  woken_ = true;
  cv_.notify_one();
  if (in_host_wait && wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }
}

void Task::kick() {
  wake();
  if (running_guest) thread_->interrupt();
}

bool Task::interrupted() {
  if (exited || tg_->exiting) return true;
  if (tg_->stopped) return true;
  const uint64_t deliverable = (pending.set | tg_->shared_pending.set) & ~sigmask;
  return deliverable != 0;
}

int Task::wake_fd() {
  if (wake_fd_ < 0) wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return wake_fd_;
}

WaitQueue::~WaitQueue() {
  for (WaitHook* h : hooks_) h->queue_ = nullptr;
}

void WaitHook::hook(WaitQueue& q, bool exclusive) {
  unhook();
  q.hooks_.push_back(this);
  queue_ = &q;
  exclusive_ = exclusive;
}

void WaitHook::unhook() {
  if (!queue_) return;
  std::erase(queue_->hooks_, this);
  queue_ = nullptr;
}

void WaitQueue::add(Task& t) { waiters_.push_back(&t); }

void WaitQueue::remove(Task& t) {
  auto it = std::find(waiters_.begin(), waiters_.end(), &t);
  if (it != waiters_.end()) waiters_.erase(it);
}

void WaitQueue::wake_all() {
  notify_hooks();
  for (Task* t : waiters_) t->wake();
}

void WaitQueue::notify_hooks() {
  if (!hooks_.empty()) {
    // A hook may wake another queue whose hooks run in turn (nested epoll),
    // never this one's list: nesting is acyclic.
    const std::vector<WaitHook*> hooks = hooks_;
    bool exclusive_done = false;
    for (WaitHook* h : hooks) {
      if (!h->exclusive_) {
        h->woken();
      } else if (!exclusive_done) {
        exclusive_done = h->woken();
      }
    }
  }
}


}  // namespace lx
