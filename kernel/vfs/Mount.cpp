#include "kernel/vfs/Mount.h"

#include <mutex>

namespace lx {

MountNamespace::MountNamespace(Mount root) : root_(std::make_unique<Mount>(std::move(root))) {
  root_->path.assign(1, '/');  // assign(const char*) trips a GCC 12 -Wrestrict false positive
  root_->parent = nullptr;
  root_->id = 21;
}

const Mount* MountNamespace::mount_at(const std::string& path) const {
  std::shared_lock lock(mu_);
  auto [lo, hi] = by_path_.equal_range(path);
  if (lo == hi) return path == "/" ? root_.get() : nullptr;
  // multimap keeps insertion order among equal keys: the last one is on top.
  return std::prev(hi)->second.get();
}

bool MountNamespace::has_mount_at_or_below(const std::string& path) const {
  std::shared_lock lock(mu_);
  if (path == "/") return true;
  // Every key that starts with `path` as a string follows lower_bound(path);
  // "/tmp-x" sorts between "/tmp" and "/tmp/x", so keep scanning.
  for (auto it = by_path_.lower_bound(path); it != by_path_.end(); ++it) {
    const std::string& p = it->first;
    if (p.compare(0, path.size(), path) != 0) break;
    if (p.size() == path.size() || p[path.size()] == '/') return true;
  }
  return false;
}

const Mount& MountNamespace::add(Mount m) {
  std::unique_lock lock(mu_);
  auto owned = std::make_unique<Mount>(std::move(m));
  owned->id = next_id_++;
  const Mount* raw = owned.get();
  by_path_.emplace(raw->path, std::move(owned));
  return *raw;
}

std::vector<const Mount*> MountNamespace::mounts() const {
  std::shared_lock lock(mu_);
  std::vector<const Mount*> out{root_.get()};
  for (const auto& [path, m] : by_path_) out.push_back(m.get());
  return out;
}

std::vector<const Mount*> MountNamespace::children(const Mount* m) const {
  std::shared_lock lock(mu_);
  std::vector<const Mount*> out;
  for (const auto& [path, c] : by_path_)
    if (c->parent == m) out.push_back(c.get());
  return out;
}

void MountNamespace::remove_tree(const Mount* m) {
  std::unique_lock lock(mu_);
  // Parents sort before their children (a path is a prefix of its
  // children's), so one pass in key order sees a parent removed first.
  std::vector<const Mount*> gone{m};
  for (auto it = by_path_.begin(); it != by_path_.end();) {
    const Mount* c = it->second.get();
    bool below = false;
    for (const Mount* g : gone) below = below || c == g || c->parent == g;
    if (!below) {
      ++it;
      continue;
    }
    if (c != m) gone.push_back(c);
    detached_.push_back(std::move(it->second));
    it = by_path_.erase(it);
  }
}

void MountNamespace::move_tree(const Mount* m, const std::string& path, const Mount* parent, InodeRef mountpoint) {
  std::unique_lock lock(mu_);
  const std::string old = m->path;
  std::vector<std::unique_ptr<Mount>> moving;
  std::vector<const Mount*> in_tree{m};
  for (auto it = by_path_.begin(); it != by_path_.end();) {
    const Mount* c = it->second.get();
    bool below = false;
    for (const Mount* g : in_tree) below = below || c == g || c->parent == g;
    if (!below) {
      ++it;
      continue;
    }
    if (c != m) in_tree.push_back(c);
    moving.push_back(std::move(it->second));
    it = by_path_.erase(it);
  }
  for (auto& c : moving) {
    if (c.get() == m) {
      c->parent = parent;
      c->mountpoint = std::move(mountpoint);
    }
    c->path = path_below(old, c->path).empty() ? path : path_child(path, path_below(old, c->path));
    std::string key = c->path;
    by_path_.emplace(std::move(key), std::move(c));
  }
}

void MountNamespace::set_flags(const Mount* m, bool read_only, bool nosuid, bool nodev, bool noexec) {
  std::unique_lock lock(mu_);
  // Mounts are owned here; callers see them const so that only the table
  // changes them, under its lock.
  auto* w = const_cast<Mount*>(m);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  w->read_only = read_only;
  w->nosuid = nosuid;
  w->nodev = nodev;
  w->noexec = noexec;
}

std::string path_child(const std::string& dir, std::string_view name) {
  const bool slash = dir.empty() || dir.back() != '/';
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir.data(), dir.size());
  if (slash) out.push_back('/');
  out.append(name.data(), name.size());
  return out;
}

std::string path_parent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string path_below(const std::string& ancestor, const std::string& path) {
  if (path == ancestor) return "";
  if (ancestor == "/") return path.substr(1);
  return path.substr(ancestor.size() + 1);
}

}  // namespace lx
