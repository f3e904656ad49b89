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
    map_.erase(it);
    return nullptr;
  }
  return it->second.child;
}

void LxDirCache::insert(const std::shared_ptr<LxInode>& parent, std::string_view name,
                        std::shared_ptr<LxInode> child) {
  std::unordered_map<std::string, Entry> old;  // destroyed after the lock is released
  Entry replaced{parent, std::move(child), coarse_now_ns() + kTtlNs};
  std::lock_guard lock(mu_);
  if (map_.size() >= kMaxEntries) old.swap(map_);
  std::swap(map_[key(*parent, name)], replaced);
}

void LxDirCache::clear() {
  // Moved out first: destroying cached inodes must not run under mu_.
  std::unordered_map<std::string, Entry> old;
  {
    std::lock_guard lock(mu_);
    old.swap(map_);
  }
}

}  // namespace lx::lxfs
