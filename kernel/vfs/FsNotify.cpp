#include "kernel/vfs/FsNotify.h"

namespace lx {

// ---- FileNotify ------------------------------------------------------------------

FileNotify::FileNotify(std::weak_ptr<FsNotify> hub, InodeKey self, InodeKey parent, std::string name, bool is_dir,
                       bool writable)
    : hub_(std::move(hub)), self_(self), parent_(parent), name_(std::move(name)), is_dir_(is_dir), writable_(writable) {}

FileNotify::~FileNotify() {
  std::shared_ptr<FsNotify> hub = hub_.lock();
  if (!hub) return;
  hub->file_event(parent_, name_, self_, (writable_ ? in::kCloseWrite : in::kCloseNowrite) | (is_dir_ ? in::kIsdir : 0));
  hub->closed(self_, is_dir_);
}

void FileNotify::event(uint32_t mask) {
  std::shared_ptr<FsNotify> hub = hub_.lock();
  if (hub && hub->active()) hub->file_event(parent_, name_, self_, mask | (is_dir_ ? in::kIsdir : 0));
}

// ---- watches ---------------------------------------------------------------------

void FsNotify::add_watch(InodeKey key, NotifyGroup* g, int wd, uint32_t uid) {
  watches_[key].push_back(Watch{g, wd});
  ++user_watches_[uid];
}

void FsNotify::remove_watch(InodeKey key, NotifyGroup* g, int wd, uint32_t uid) {
  auto it = watches_.find(key);
  if (it == watches_.end()) return;
  std::vector<Watch>& v = it->second;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].group == g && v[i].wd == wd) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
      if (--user_watches_[uid] <= 0) user_watches_.erase(uid);
      break;
    }
  }
  if (v.empty()) watches_.erase(it);
}

bool FsNotify::may_add_watch(uint32_t uid) const {
  auto it = user_watches_.find(uid);
  return it == user_watches_.end() || it->second < kMaxUserWatches;
}

bool FsNotify::add_instance(uint32_t uid) {
  int& n = user_instances_[uid];
  if (n >= kMaxUserInstances) return false;
  ++n;
  return true;
}

void FsNotify::remove_instance(uint32_t uid) {
  auto it = user_instances_.find(uid);
  if (it != user_instances_.end() && --it->second <= 0) user_instances_.erase(it);
}

// ---- events ----------------------------------------------------------------------

void FsNotify::deliver(InodeKey key, uint32_t mask, std::string_view name, uint32_t cookie, bool unlinked) {
  auto it = watches_.find(key);
  if (it == watches_.end()) return;
  // A copy: a one-shot watch removes itself while we go through them.
  const std::vector<Watch> ws = it->second;
  for (const Watch& w : ws) w.group->deliver(w.wd, mask, cookie, name, unlinked);
}

void FsNotify::event(InodeKey key, uint32_t mask, std::string_view name, uint32_t cookie) {
  if (!key.valid()) return;
  deliver(key, mask, name, cookie, false);
}

void FsNotify::child_event(InodeKey parent, std::string_view name, InodeKey self, uint32_t mask) {
  if (parent.valid() && !name.empty()) deliver(parent, mask, name, 0, false);
  if (self.valid()) deliver(self, mask, {}, 0, false);
}

void FsNotify::file_event(InodeKey parent, std::string_view name, InodeKey self, uint32_t mask) {
  if (parent.valid() && !name.empty()) deliver(parent, mask, name, 0, dead_.contains(self));
  if (self.valid()) deliver(self, mask, {}, 0, false);
}

void FsNotify::evict(InodeKey key, bool is_dir) {
  deliver(key, in::kDeleteSelf | (is_dir ? in::kIsdir : 0), {}, 0, false);
  auto it = watches_.find(key);
  if (it == watches_.end()) return;
  const std::vector<Watch> ws = it->second;
  // watch_gone() removes each watch from watches_ through remove_watch().
  for (const Watch& w : ws) w.group->watch_gone(w.wd);
  watches_.erase(key);
}

void FsNotify::unlinked(InodeKey key, bool is_dir) {
  if (!key.valid()) return;
  if (open_.contains(key)) {
    dead_.insert(key);
    return;
  }
  evict(key, is_dir);
}

// ---- open descriptions -------------------------------------------------------------

std::shared_ptr<FileNotify> FsNotify::opened(InodeKey self, InodeKey parent, std::string name, bool is_dir,
                                             bool writable) {
  if (self.valid()) ++open_[self];
  return std::make_shared<FileNotify>(weak_from_this(), self, parent, std::move(name), is_dir, writable);
}

void FsNotify::closed(InodeKey self, bool is_dir) {
  if (!self.valid()) return;
  auto it = open_.find(self);
  if (it == open_.end() || --it->second > 0) return;
  open_.erase(it);
  if (dead_.erase(self)) evict(self, is_dir);
}

}  // namespace lx
