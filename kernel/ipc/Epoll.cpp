#include "kernel/ipc/Epoll.h"

#include <algorithm>

#include "kernel/abi/Poll.h"
#include "kernel/ipc/AnonInode.h"
#include "kernel/syscalls/PollCommon.h"

namespace lx {

namespace {

// Bits that stay when a ONESHOT entry fires (EP_PRIVATE_BITS).
constexpr uint32_t kPrivateBits = kEpollWakeup | kEpollOneshot | kEpollEt | kEpollExclusive;
// EPOLLEXCLUSIVE_OK_BITS: what an exclusive entry may ask for besides itself.
constexpr uint32_t kExclusiveOk =
    abi::kPollIn | abi::kPollOut | abi::kPollErr | abi::kPollHup | kEpollWakeup | kEpollEt | kEpollExclusive;

}  // namespace

EpollFile::Item::~Item() {
  if (!child) return;
  if (OpenFileRef f = file.lock()) {
    auto& parents = child->parents_;
    auto it = std::find(parents.begin(), parents.end(), ep);
    if (it != parents.end()) parents.erase(it);
  }
}

bool EpollFile::Item::woken() {
  triggered = true;
  // ep_poll_callback: a wake-up counts as taken if someone was waiting on
  // this instance (directly, or through an instance watching it).
  const bool had_waiters = !ep->queue_.empty() || !ep->parents_.empty();
  ep->queue_.wake_all();
  return had_waiters;
}

EpollFile::~EpollFile() {
  // Items first: they leave the children's parent lists and their queues.
  items_.clear();
}

unsigned EpollFile::pending(Item& item, OpenFile& f) const {
  const unsigned mask = f.poll_events() & item.events & ~kPrivateBits;
  if (!mask || !(item.events & kEpollEt)) return mask;
  if (item.hooked()) return item.triggered ? mask : 0;
  return (mask & ~item.last) ? mask : 0;
}

bool EpollFile::reaches(const EpollFile* target) const {
  if (this == target) return true;
  for (const auto& [key, item] : items_)
    if (item->child && !item->file.expired() && item->child->reaches(target)) return true;
  return false;
}

int EpollFile::depth_below() const {
  int d = 0;
  for (const auto& [key, item] : items_)
    if (item->child && !item->file.expired()) d = std::max(d, item->child->depth_below() + 1);
  return d;
}

int EpollFile::depth_above() const {
  int d = 0;
  for (const EpollFile* p : parents_) d = std::max(d, p->depth_above() + 1);
  return d;
}

Result<void> EpollFile::add(const Key& key, const OpenFileRef& file, const EpollEvent& ev) {
  EpollFile* child = as_epoll(*file);
  // ep_loop_check: no cycle, and the chain through the new entry stays short.
  if (child && (child->reaches(this) || child->depth_below() + 1 + depth_above() > kMaxNests)) return err(ELOOP);
  if (items_.count(key)) return err(EEXIST);
  auto item = std::make_unique<Item>();
  item->ep = this;
  item->file = file;
  item->child = child;
  item->events = ev.events | abi::kPollErr | abi::kPollHup;
  item->data = ev.data;
  // ep_insert polls the file at once: a ready file is reported even to an
  // edge-triggered entry.
  item->triggered = true;
  if (WaitQueue* q = file->wait_queue()) item->hook(*q, (ev.events & kEpollExclusive) != 0);
  if (child) child->parents_.push_back(this);
  const bool ready = pending(*item, *file) != 0;
  items_.emplace(key, std::move(item));
  if (ready) queue_.wake_all();
  return {};
}

Result<void> EpollFile::ctl(int op, int fd, const OpenFileRef& file, const EpollEvent& ev) {
  if (op != kEpollCtlDel && (ev.events & kEpollExclusive)) {
    if (op == kEpollCtlMod) return err(EINVAL);
    if (op == kEpollCtlAdd && (as_epoll(*file) || (ev.events & ~kExclusiveOk))) return err(EINVAL);
  }
  const Key key{fd, file.get()};
  auto it = items_.find(key);
  if (it != items_.end() && it->second->file.expired()) {
    items_.erase(it);
    it = items_.end();
  }
  switch (op) {
    case kEpollCtlAdd:
      return add(key, file, ev);
    case kEpollCtlMod: {
      if (it == items_.end()) return err(ENOENT);
      Item& item = *it->second;
      if (item.events & kEpollExclusive) return err(EINVAL);
      item.events = ev.events | abi::kPollErr | abi::kPollHup;
      item.data = ev.data;
      item.last = 0;
      item.triggered = true;  // ep_modify re-polls, like an insert
      if (pending(item, *file)) queue_.wake_all();
      return {};
    }
    case kEpollCtlDel:
      if (it == items_.end()) return err(ENOENT);
      items_.erase(it);
      return {};
    default:
      return err(EINVAL);
  }
}

size_t EpollFile::collect(std::span<EpollEvent> out) {
  size_t n = 0;
  for (auto it = items_.begin(); it != items_.end() && n < out.size();) {
    Item& item = *it->second;
    OpenFileRef f = item.file.lock();
    if (!f) {
      it = items_.erase(it);
      continue;
    }
    ++it;
    const unsigned report = pending(item, *f);
    if (!item.hooked()) item.last = f->poll_events() & item.events & ~kPrivateBits;
    if (report == 0) {
      // A wake-up that found the file not ready is spent.
      if (item.events & kEpollEt) item.triggered = false;
      continue;
    }
    out[n++] = EpollEvent{report, item.data};
    item.triggered = false;
    if (item.events & kEpollOneshot) item.events &= kPrivateBits;
  }
  return n;
}

void EpollFile::add_host_waits(PollWaitSet& waits) {
  for (auto& [key, item] : items_) {
    OpenFileRef f = item->file.lock();
    if (!f) continue;
    if (item->child)
      item->child->add_host_waits(waits);
    else if (!f->wait_queue())
      waits.add(*f, item->events);
  }
}

Result<abi::Stat> EpollFile::stat() { return anon_inode_stat(); }

unsigned EpollFile::poll_events() {
  for (auto& [key, item] : items_) {
    OpenFileRef f = item->file.lock();
    if (f && pending(*item, *f)) return abi::kPollIn | abi::kPollRdnorm;
  }
  return 0;
}

EpollFile* as_epoll(OpenFile& f) { return dynamic_cast<EpollFile*>(&f); }

}  // namespace lx
