#include "kernel/fs/lxfs/LxDirCache.h"

#include <time.h>

#include <cstdint>
#include <cstring>

#include "kernel/fs/lxfs/LxInode.h"

namespace lx::lxfs {

int64_t coarse_now_ns() {
  struct timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The parent's address is a safe identity: the entry keeps a weak pointer
// to it and is dropped once that has expired (an address reused later).
std::string LxDirCache::key(const LxInode& parent, std::string_view name) {
  const auto addr = reinterpret_cast<uintptr_t>(&parent);
  std::string k(sizeof addr, '\0');
  std::memcpy(k.data(), &addr, sizeof addr);
  k.append(name);
  return k;
}

std::shared_ptr<LxInode> LxDirCache::find(const LxInode& parent, std::string_view name) {
  Entry stale;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  auto it = map_.find(key(parent, name));
  if (it == map_.end()) return nullptr;
  const std::shared_ptr<LxInode> p = it->second.parent.lock();
  if (p.get() != &parent || coarse_now_ns() >= it->second.expiry_ns) {
    stale = std::move(it->second);
    if (stale.is_file) --files_;
    map_.erase(it);
    return nullptr;
  }
  return it->second.child;
}

// At the limit every file goes (one pass over the map per kMaxFiles file
// inserts): they are cheap to look up again.
void LxDirCache::sweep_files(std::vector<Entry>& dropped) {
  if (files_ < kMaxFiles) return;
  for (auto it = map_.begin(); it != map_.end();) {
    if (it->second.is_file) {
      dropped.push_back(std::move(it->second));
      it = map_.erase(it);
    } else {
      ++it;
    }
  }
  files_ = 0;
}

void LxDirCache::insert(const std::shared_ptr<LxInode>& parent, std::string_view name,
                        std::shared_ptr<LxInode> child, bool is_file) {
  // Destroyed after the lock is released.
  std::unordered_map<std::string, Entry> old;
  std::vector<Entry> dropped;
  Entry replaced{parent, std::move(child), coarse_now_ns() + kTtlNs, is_file};
  std::lock_guard lock(mu_);
  if (map_.size() >= kMaxEntries) {
    old.swap(map_);
    files_ = 0;
  }
  if (is_file) sweep_files(dropped);
  Entry& slot = map_[key(*parent, name)];
  files_ += static_cast<size_t>(is_file) - static_cast<size_t>(slot.child && slot.is_file);
  std::swap(slot, replaced);
}

void LxDirCache::forget(const LxInode& parent, std::string_view name) {
  Entry stale;  // destroyed after the lock is released
  std::lock_guard lock(mu_);
  auto it = map_.find(key(parent, name));
  if (it == map_.end()) return;
  stale = std::move(it->second);
  if (stale.is_file) --files_;
  map_.erase(it);
}

void LxDirCache::clear() {
  // Moved out first: destroying cached inodes must not run under mu_.
  std::unordered_map<std::string, Entry> old;
  {
    std::lock_guard lock(mu_);
    old.swap(map_);
    files_ = 0;
  }
}

}  // namespace lx::lxfs
