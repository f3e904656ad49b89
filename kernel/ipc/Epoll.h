// An epoll instance (epoll(7)): an interest list of (fd, file description)
// entries reporting readiness through OpenFile::poll_events().
//
// Each entry hooks the watched file's wait queue (sched/WaitQueue.h
// WaitHook), so it sees every wake-up of that file as Linux's
// ep_poll_callback does: an edge-triggered entry is reported once per
// wake-up that finds it ready (a second write to a pipe reports again), and
// the instance's own queue is woken, which makes an epoll fd pollable and
// nestable (an outer instance's entry hooks the inner one's queue). Files
// without a queue (host fds) are polled; for them EPOLLET reports when new
// bits appear.
//
// Level-triggered by default; EPOLLONESHOT disables an entry once reported
// until EPOLL_CTL_MOD re-arms it. EPOLLEXCLUSIVE entries hook exclusively:
// a wake-up of the file reaches the first such instance that has a waiter
// (or all of them when none has), not every one. Nesting is acyclic and at most
// kMaxNests deep (ELOOP otherwise), checked at EPOLL_CTL_ADD.
//
// An entry lives until EPOLL_CTL_DEL or until its file description is
// finally closed (it holds the description weakly), whatever fd numbers
// come and go. Guarded by the big lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class PollWaitSet;

struct __attribute__((packed)) EpollEvent {  // struct epoll_event (x86-64 packs it)
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

constexpr int kEpollCtlAdd = 1, kEpollCtlDel = 2, kEpollCtlMod = 3;
constexpr uint32_t kEpollExclusive = 1u << 28, kEpollWakeup = 1u << 29, kEpollOneshot = 1u << 30,
                   kEpollEt = 1u << 31;

class EpollFile final : public OpenFile {
 public:
  // EP_MAX_NESTS: the longest chain of epoll instances watching each other.
  static constexpr int kMaxNests = 4;

  EpollFile() { set_status_flags(2); }  // O_RDWR
  ~EpollFile() override;
  EpollFile(const EpollFile&) = delete;
  EpollFile& operator=(const EpollFile&) = delete;

  // epoll_ctl on `file` (installed at fd), after the fd-level checks:
  // ELOOP, EEXIST/ENOENT, EINVAL as Linux; `ev` is ignored for DEL.
  Result<void> ctl(int op, int fd, const OpenFileRef& file, const EpollEvent& ev);
  // Fills `out` with ready entries (applying ONESHOT/ET bookkeeping to the
  // ones reported); returns how many.
  size_t collect(std::span<EpollEvent> out);
  // The host fds of every watched file that has no wait queue, through
  // nested instances too (the queues are covered by this one's queue).
  void add_host_waits(PollWaitSet& waits);

  Result<abi::Stat> stat() override;
  unsigned poll_events() override;
  WaitQueue* wait_queue() override { return &queue_; }

 private:
  struct Item final : WaitHook {
    EpollFile* ep = nullptr;
    std::weak_ptr<OpenFile> file;
    EpollFile* child = nullptr;  // the watched file if it is an epoll instance (valid while `file` is)
    uint32_t events = 0;
    uint64_t data = 0;
    bool triggered = false;  // woken since last reported (edge-triggered entries)
    unsigned last = 0;       // unhooked files: the bits seen at the previous check
    ~Item() override;
    bool woken() override;
  };
  using Key = std::pair<int, const OpenFile*>;

  // The item's current report (0: none) without changing any state.
  unsigned pending(Item& item, OpenFile& f) const;
  bool reaches(const EpollFile* target) const;
  int depth_below() const;
  int depth_above() const;
  Result<void> add(const Key& key, const OpenFileRef& file, const EpollEvent& ev);

  std::map<Key, std::unique_ptr<Item>> items_;
  std::vector<EpollFile*> parents_;  // instances watching this one, once per entry
  WaitQueue queue_;
};

EpollFile* as_epoll(OpenFile& f);

}  // namespace lx
