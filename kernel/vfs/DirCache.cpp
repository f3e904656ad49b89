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
  child_type_ = 0;
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

std::optional<PathLoc> DirCache::find_run(const std::string& start, const std::vector<std::string>& pending,
                                          size_t count, size_t* used) {
  *used = 0;
  std::lock_guard lock(mu_);
  revalidate();
  std::string prefix;
  prefix.reserve(256);
  prefix = start;
  const Entry* hit = nullptr;
  for (size_t i = 0; i < count; ++i) {
    if (prefix.empty() || prefix.back() != '/') prefix.push_back('/');
    prefix += pending[pending.size() - 1 - i];
    // Every ancestor of a cached directory is cached, so the first miss ends the run.
    auto it = map_.find(prefix);
    if (it == map_.end()) break;
    hit = &it->second;
    *used = i + 1;
  }
  if (!hit) return std::nullopt;
  return hit->loc;
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
    child_type_ = 0;
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
  child_type_ = 0;
  if (!watch_) return;
  for (auto& [path, e] : map_) watch_->remove(e.wd);
  map_.clear();
}

unsigned DirCache::child_type(const PathLoc& dir, std::string_view name) {
  std::lock_guard lock(mu_);
  revalidate();
  if (child_type_ == 0 || child_name_ != name || child_dir_ != dir.path) return 0;
  // The same path in another mount (one stacked since) is another directory.
  auto it = map_.find(dir.path);
  if (it == map_.end() || it->second.loc.mnt != dir.mnt) return 0;
  return child_type_;
}

void DirCache::note_child_type(const PathLoc& dir, std::string_view name, unsigned type) {
  std::lock_guard lock(mu_);
  revalidate();
  child_type_ = 0;
  // Only a watched directory tells us when the note goes stale.
  auto it = map_.find(dir.path);
  if (it == map_.end() || it->second.loc.mnt != dir.mnt || it->second.loc.inode != dir.inode) return;
  child_dir_ = dir.path;
  child_name_ = name;
  child_type_ = type;
}

}  // namespace lx
