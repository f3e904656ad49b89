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
  drop_notes();
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
  if (count == 0) return std::nullopt;
  std::lock_guard lock(mu_);
  revalidate();
  std::string prefix;
  prefix.reserve(256);
  auto extend = [&](size_t i) {
    if (prefix.empty() || prefix.back() != '/') prefix.push_back('/');
    prefix += pending[pending.size() - 1 - i];
  };
  // The whole run is nearly always cached (ls stats every name of a
  // directory in turn): one hash for it before one per name.
  prefix = start;
  for (size_t i = 0; i < count; ++i) extend(i);
  if (auto it = map_.find(prefix); it != map_.end()) {
    *used = count;
    return it->second.loc;
  }
  prefix = start;
  const Entry* hit = nullptr;
  for (size_t i = 0; i + 1 < count; ++i) {
    extend(i);
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
    drop_notes();
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
  drop_notes();
  if (!watch_) return;
  for (auto& [path, e] : map_) watch_->remove(e.wd);
  map_.clear();
}

void DirCache::drop_notes() {
  note_ = NameFacts{};
  note_dir_.clear();
  note_name_.clear();
  absence_.clear();
}

bool DirCache::note_valid(const PathLoc& dir, std::string_view name) {
  // Made or used by this syscall or the one before it, for this name.
  const uint64_t now = serial_.load(std::memory_order_relaxed);
  if (note_.type == 0 || now - note_serial_ > 1 || note_name_ != name || note_dir_ != dir.path) return false;
  // The same path in another mount (one stacked since) is another directory.
  auto it = map_.find(dir.path);
  if (it == map_.end() || it->second.loc.mnt != dir.mnt || it->second.loc.inode != dir.inode) return false;
  note_serial_ = now;
  return true;
}

DirCache::NameFacts DirCache::facts(const PathLoc& dir, std::string_view name) {
  std::lock_guard lock(mu_);
  revalidate();
  if (!note_valid(dir, name)) return NameFacts{};
  return note_;
}

void DirCache::note_stat(const PathLoc& dir, std::string_view name, unsigned type, uint64_t dev) {
  std::lock_guard lock(mu_);
  revalidate();
  note_.type = 0;
  // Only a watched directory tells us when the note goes stale.
  auto it = map_.find(dir.path);
  if (it == map_.end() || it->second.loc.mnt != dir.mnt || it->second.loc.inode != dir.inode) return;
  note_dir_ = dir.path;
  note_name_ = name;
  note_ = NameFacts{type, dev, false, {}};
  note_serial_ = serial_.load(std::memory_order_relaxed);
}

void DirCache::note_xattrs(const PathLoc& dir, std::string_view name, std::string_view list) {
  std::lock_guard lock(mu_);
  revalidate();
  if (!note_valid(dir, name)) return;
  note_.listed = true;
  note_.xattrs = list;
}

std::optional<bool> DirCache::xattr_fs_exact(uint64_t dev) {
  std::lock_guard lock(mu_);
  return absence_.fs_exact(dev);
}

void DirCache::judge_xattr_fs(uint64_t dev, bool exact) {
  std::lock_guard lock(mu_);
  absence_.judge_fs(dev, exact);
}

std::optional<int> DirCache::absent_xattr(uint64_t dev, unsigned type, std::string_view xname) {
  std::lock_guard lock(mu_);
  return absence_.answer(dev, type, xname);
}

void DirCache::learn_absent_xattr(uint64_t dev, unsigned type, std::string_view xname, int error) {
  std::lock_guard lock(mu_);
  absence_.learn(dev, type, xname, error);
}

void DirCache::distrust_xattr_fs(uint64_t dev) {
  std::lock_guard lock(mu_);
  absence_.distrust(dev);
}

}  // namespace lx
