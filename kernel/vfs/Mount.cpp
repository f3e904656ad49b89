#include "kernel/vfs/Mount.h"

#include <mutex>

namespace lx {

MountNamespace::MountNamespace(Mount root) : root_(std::make_unique<Mount>(std::move(root))) {
  root_->path.assign(1, '/');  // assign(const char*) trips a GCC 12 -Wrestrict false positive
  root_->parent = nullptr;
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
