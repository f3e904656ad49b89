#include "kernel/vfs/DirCache.h"

#include "kernel/vfs/HostFs.h"

namespace lx {

bool DirCache::cacheable(const PathLoc& loc) const {
  return loc.mnt && loc.mnt->read_only && loc.inode->is_dir() && hostfs_fd(*loc.inode) >= 0;
}

void DirCache::revalidate() {
  if (!watch_) return;
  const uint64_t g = watch_->generation();
  if (g == gen_) return;
  for (auto& [path, e] : map_) watch_->remove(e.wd);
  map_.clear();
  gen_ = g;
}

bool DirCache::may_cache_below(const PathLoc& dir) {
  if (!cacheable(dir)) return false;
  if (dir.path == dir.mnt->path) return true;
  std::lock_guard lock(mu_);
  revalidate();
  return map_.count(dir.path) != 0;
}

std::optional<PathLoc> DirCache::find(const std::string& path) {
  std::lock_guard lock(mu_);
  revalidate();
  auto it = map_.find(path);
  if (it == map_.end()) return std::nullopt;
  return it->second.loc;
}

void DirCache::insert(const PathLoc& parent, const PathLoc& child) {
  if (!cacheable(parent) || !cacheable(child)) return;
  std::lock_guard lock(mu_);
  if (!watch_) {
    watch_ = std::make_unique<HostWatch>();
    gen_ = watch_->generation();
  }
  if (!watch_->ok()) return;
  revalidate();
  if (map_.size() >= kMaxEntries) {
    for (auto& [path, e] : map_) watch_->remove(e.wd);
    map_.clear();
  }
  auto add = [&](const PathLoc& loc) {
    const int wd = watch_->add(hostfs_fd(*loc.inode));
    if (wd < 0) return false;
    // The lookup's own stat must not answer a later stat() of a cached directory.
    hostfs_forget_lookup_stat(*loc.inode);
    map_.emplace(loc.path, Entry{loc, wd});
    return true;
  };
  // The parent is watched first: a rename of `child` racing this insert
  // then still bumps the generation.
  if (!map_.count(parent.path)) {
    if (parent.path != parent.mnt->path || !add(parent)) return;
  }
  if (!map_.count(child.path)) add(child);
}

void DirCache::invalidate() {
  std::lock_guard lock(mu_);
  if (!watch_) return;
  for (auto& [path, e] : map_) watch_->remove(e.wd);
  map_.clear();
}

}  // namespace lx
