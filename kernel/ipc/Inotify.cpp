#include "kernel/ipc/Inotify.h"

#include <cstring>

#include <fmt/format.h>

#include "kernel/Task.h"
#include "kernel/abi/Poll.h"
#include "kernel/ipc/AnonInode.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

// struct inotify_event without its name.
struct EventHeader {
  int32_t wd;
  uint32_t mask;
  uint32_t cookie;
  uint32_t len;
};
static_assert(sizeof(EventHeader) == 16);

// The name is NUL-padded to a multiple of the header's size, as Linux does.
uint32_t padded_name_len(size_t n) {
  if (n == 0) return 0;
  return static_cast<uint32_t>((n + 1 + sizeof(EventHeader) - 1) / sizeof(EventHeader) * sizeof(EventHeader));
}

}  // namespace

uint64_t InotifyFile::Event::size() const { return sizeof(EventHeader) + padded_name_len(name.size()); }

InotifyFile::InotifyFile(std::shared_ptr<FsNotify> hub, uint32_t uid, int status_flags)
    : hub_(std::move(hub)), uid_(uid) {
  set_status_flags(status_flags);
}

InotifyFile::~InotifyFile() {
  for (const auto& [wd, w] : watches_) hub_->remove_watch(w.key, this, wd, uid_);
  hub_->remove_instance(uid_);
}

Result<int> InotifyFile::add_watch(InodeKey key, uint32_t mask) {
  const uint32_t kept = mask & (in::kAllEvents | in::kOneshot | in::kExclUnlink);
  for (auto& [wd, w] : watches_) {
    if (w.key != key) continue;
    if (mask & in::kMaskCreate) return err(EEXIST);
    w.mask = (mask & in::kMaskAdd) ? (w.mask | kept) : kept;
    return wd;
  }
  if (!hub_->may_add_watch(uid_)) return err(ENOSPC);
  // wds go up (Linux allocates them cyclically): a removed wd is not
  // handed out again soon, so late events for it are not mistaken.
  int wd = last_wd_;
  do {
    wd = wd == INT32_MAX ? 1 : wd + 1;
  } while (watches_.contains(wd));
  last_wd_ = wd;
  watches_[wd] = Watch{key, kept};
  hub_->add_watch(key, this, wd, uid_);
  return wd;
}

void InotifyFile::drop_watch(int wd) {
  auto it = watches_.find(wd);
  if (it == watches_.end()) return;
  hub_->remove_watch(it->second.key, this, wd, uid_);
  watches_.erase(it);
}

Result<void> InotifyFile::rm_watch(int wd) {
  if (!watches_.contains(wd)) return err(EINVAL);
  drop_watch(wd);
  queue_event(wd, in::kIgnored, 0, {});
  return {};
}

void InotifyFile::watch_gone(int wd) {
  if (!watches_.contains(wd)) return;
  drop_watch(wd);
  queue_event(wd, in::kIgnored, 0, {});
}

void InotifyFile::deliver(int wd, uint32_t mask, uint32_t cookie, std::string_view name, bool unlinked) {
  auto it = watches_.find(wd);
  if (it == watches_.end()) return;
  const uint32_t wmask = it->second.mask;
  if (!(mask & wmask & in::kAllEvents)) return;
  if (unlinked && (wmask & in::kExclUnlink)) return;
  queue_event(wd, mask, cookie, name);
  if (wmask & in::kOneshot) watch_gone(wd);
}

void InotifyFile::queue_event(int32_t wd, uint32_t mask, uint32_t cookie, std::string_view name) {
  if (!events_.empty()) {
    const Event& last = events_.back();
    // A full queue ends in one IN_Q_OVERFLOW and takes nothing more.
    if (last.mask == in::kQOverflow) return;
    // An event identical to the last one queued is merged into it.
    if (last.wd == wd && last.mask == mask && last.cookie == cookie && last.name == name) return;
  }
  Event e{wd, mask, cookie, std::string(name)};
  if (events_.size() >= static_cast<size_t>(FsNotify::kMaxQueuedEvents)) e = Event{-1, in::kQOverflow, 0, {}};
  bytes_ += e.size();
  events_.push_back(std::move(e));
  queue_.wake_all();
}

Result<uint64_t> InotifyFile::read(std::span<uint8_t> buf) {
  if (events_.empty()) return err(EAGAIN);
  uint64_t done = 0;
  while (!events_.empty()) {
    const Event& e = events_.front();
    const uint64_t n = e.size();
    if (n > buf.size() - done) break;
    EventHeader h{e.wd, e.mask, e.cookie, padded_name_len(e.name.size())};
    std::memcpy(buf.data() + done, &h, sizeof h);
    std::memset(buf.data() + done + sizeof h, 0, h.len);
    if (!e.name.empty()) std::memcpy(buf.data() + done + sizeof h, e.name.data(), e.name.size());
    done += n;
    bytes_ -= n;
    events_.pop_front();
  }
  // Not even the first event fits.
  if (done == 0) return err(EINVAL);
  return done;
}

Result<abi::Stat> InotifyFile::stat() { return anon_inode_stat(); }

Result<long> InotifyFile::ioctl(Task& task, unsigned cmd, uint64_t arg) {
  if (cmd != abi::kFionread) return err(ENOTTY);
  TRY(task.mem().write(UserPtr<int>{arg}, static_cast<int>(std::min<uint64_t>(bytes_, INT32_MAX))));
  return 0;
}

unsigned InotifyFile::poll_events() { return events_.empty() ? 0 : (abi::kPollIn | abi::kPollRdnorm); }

std::string InotifyFile::fdinfo() const {
  std::string s;
  for (const auto& [wd, w] : watches_)
    s += fmt::format("inotify wd:{:x} ino:{:x} sdev:{:x} mask:{:x} ignored_mask:0\n", wd, w.key.ino, w.key.dev,
                     w.mask);
  return s;
}

InotifyFile* as_inotify(OpenFile& f) { return dynamic_cast<InotifyFile*>(&f); }

}  // namespace lx
