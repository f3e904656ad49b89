#include "kernel/ipc/Epoll.h"

#include "kernel/abi/Poll.h"
#include "kernel/syscalls/PollCommon.h"

namespace lx {

namespace {

// Bits that stay when a ONESHOT entry fires (EP_PRIVATE_BITS).
constexpr uint32_t kPrivateBits = kEpollWakeup | kEpollOneshot | kEpollEt | kEpollExclusive;

}  // namespace

Result<void> EpollFile::ctl(int op, int fd, const OpenFileRef& file, const EpollEvent& ev) {
  const auto key = std::make_pair(fd, static_cast<const OpenFile*>(file.get()));
  auto it = items_.find(key);
  if (it != items_.end() && it->second.file.expired()) {
    items_.erase(it);
    it = items_.end();
  }
  switch (op) {
    case kEpollCtlAdd: {
      if (it != items_.end()) return err(EEXIST);
      Item item;
      item.file = file;
      item.events = ev.events | abi::kPollErr | abi::kPollHup;
      item.data = ev.data;
      items_.emplace(key, std::move(item));
      return {};
    }
    case kEpollCtlMod:
      if (it == items_.end()) return err(ENOENT);
      // EPOLLEXCLUSIVE can only be given to ADD, and a MOD cannot touch an
      // exclusive entry.
      if ((ev.events & kEpollExclusive) || (it->second.events & kEpollExclusive)) return err(EINVAL);
      it->second.events = ev.events | abi::kPollErr | abi::kPollHup;
      it->second.data = ev.data;
      it->second.last = 0;
      return {};
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
    Item& item = it->second;
    OpenFileRef f = item.file.lock();
    if (!f) {
      it = items_.erase(it);
      continue;
    }
    ++it;
    const unsigned mask = f->poll_events() & item.events & ~kPrivateBits;
    unsigned report = mask;
    if (item.events & kEpollEt) {
      report = mask & ~item.last ? mask : 0;
      item.last = mask;
    }
    if (report == 0) continue;
    out[n++] = EpollEvent{report, item.data};
    if (item.events & kEpollOneshot) item.events &= kPrivateBits;
  }
  return n;
}

void EpollFile::add_waits(PollWaitSet& waits) {
  for (auto& [key, item] : items_)
    if (OpenFileRef f = item.file.lock()) waits.add(*f, item.events);
}

Result<abi::Stat> EpollFile::stat() {
  // An anon_inode: no file type bits, owner read/write.
  abi::Stat st{};
  st.st_mode = 0600;
  st.st_nlink = 1;
  st.st_blksize = 4096;
  return st;
}

unsigned EpollFile::poll_events() {
  for (auto& [key, item] : items_) {
    OpenFileRef f = item.file.lock();
    if (f && (f->poll_events() & item.events & ~kPrivateBits)) return abi::kPollIn | abi::kPollRdnorm;
  }
  return 0;
}

EpollFile* as_epoll(OpenFile& f) { return dynamic_cast<EpollFile*>(&f); }

}  // namespace lx
