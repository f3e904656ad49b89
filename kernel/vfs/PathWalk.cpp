#include "kernel/vfs/PathWalk.h"

#include <utility>

#include "kernel/vfs/DirCache.h"

namespace lx {

namespace {

bool is_plain(std::string_view name) { return name != "." && name != ".." && name.size() <= kNameMax; }

// Errors after which a run lookup is retried one component at a time: a
// symlink (or magic link) somewhere in the run, a host-side escape attempt,
// a rename race, or a filesystem without run lookups.
bool step_instead(int e) { return e == ELOOP || e == EXDEV || e == EAGAIN || e == ENOSYS || e == EINTR; }

}  // namespace

PathWalker::PathWalker(const MountNamespace& ns, PathLoc root, PathLoc start, std::string_view path,
                       unsigned resolve, Credentials cred)
    : ns_(ns), root_(std::move(root)), cur_(std::move(start)), resolve_(resolve), cred_(std::move(cred)) {
  init_error_ = push_path(path);
}

Result<void> PathWalker::push_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') {
    // RESOLVE_BENEATH refuses absolute paths and symlinks outright;
    // otherwise they start again at the walk's root.
    if (resolve_ & kResolveBeneath) return err(EXDEV);
    cur_ = root_;
  }
  const bool replaces_final = pending_.empty();
  const size_t before = pending_.size();
  // Components from the last to the first, so the first ends at the back.
  size_t end = path.size();
  while (end > 0) {
    const size_t slash = path.rfind('/', end - 1);
    const size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    if (end > begin) pending_.emplace_back(path.substr(begin, end - begin));
    if (slash == std::string_view::npos) break;
    end = slash;
  }
  // A trailing slash demands a directory of the final component, and a
  // symlink standing for the final component passes its own slash on.
  if (replaces_final && pending_.size() > before && path.back() == '/') trailing_ = true;
  return {};
}

Result<void> PathWalker::queue_symlink(const PathLoc& link) {
  if (resolve_ & kResolveNoSymlinks) return err(ELOOP);
  if (link.inode->is_magic_link()) {
    if (resolve_ & kResolveNoMagiclinks) return err(ELOOP);
    if (InodeRef target = link.inode->magic_target()) {
      // No path to walk: the walk ends (or goes on) at the open file itself.
      if (++links_ > kMaxSymlinks) return err(ELOOP);
      cur_ = PathLoc{link.mnt, std::move(target), link.path};
      return {};
    }
  }
  std::string target = TRY(link.inode->readlink());
  return queue_target(target);
}

Result<void> PathWalker::queue_target(const std::string& target) {
  if (resolve_ & kResolveNoSymlinks) return err(ELOOP);
  if (++links_ > kMaxSymlinks) return err(ELOOP);
  if (target.empty()) return err(ENOENT);
  return push_path(target);
}

Result<PathLoc> PathWalker::cross_mounts(PathLoc loc) {
  // Files are crossed too: mount --bind can cover a file with a file.
  const Mount* m = ns_.mount_at(loc.path);
  if (!m || m == loc.mnt) return loc;
  if (resolve_ & kResolveNoXdev) return err(EXDEV);
  return PathLoc{m, m->root, std::move(loc.path)};
}

Result<void> PathWalker::dotdot() {
  if (!cur_.inode->is_dir()) return err(ENOTDIR);
  if (cur_.path == root_.path) {
    if (resolve_ & kResolveBeneath) return err(EXDEV);
    return {};  // `..` of the root is the root
  }
  // Leaving a mount's root goes to the directory it covers first (through
  // every mount stacked there).
  while (cur_.path == cur_.mnt->path && cur_.mnt->parent) {
    if (resolve_ & kResolveNoXdev) return err(EXDEV);
    const Mount* m = cur_.mnt;
    cur_ = PathLoc{m->parent, m->mountpoint, cur_.path};
  }
  if (cur_.path == "/") return {};
  std::string up = path_parent(cur_.path);
  if (cache_) {
    // The parent is in the same mount (cur_ is not its root), so a cached
    // directory at that path in that mount is exactly what parent() finds.
    std::optional<PathLoc> hit = cache_->find(up);
    if (hit && hit->mnt == cur_.mnt) {
      cur_ = std::move(*hit);
      return {};
    }
  }
  InodeRef inode = TRY(cur_.inode->parent(*cur_.mnt->root, path_below(cur_.mnt->path, up)));
  cur_ = PathLoc{cur_.mnt, std::move(inode), std::move(up)};
  return {};
}

Result<void> PathWalker::step(const std::string& name, bool is_final, bool follow_final) {
  if (name == ".") {
    if (!cur_.inode->is_dir()) return err(ENOTDIR);
    return {};
  }
  if (name == "..") return dotdot();
  if (name.size() > kNameMax) return err(ENAMETOOLONG);
  InodeRef child = TRY(cur_.inode->lookup(name, cred_));
  PathLoc loc = TRY(cross_mounts(PathLoc{cur_.mnt, std::move(child), path_child(cur_.path, name)}));
  if (loc.inode->is_symlink() && (!is_final || follow_final || trailing_)) return queue_symlink(loc);
  if (cache_ && loc.inode->is_dir()) cache_->insert(cur_, loc);
  cur_ = std::move(loc);
  return {};
}

bool PathWalker::try_cached_run(bool include_final) {
  const size_t avail = include_final ? pending_.size() : pending_.size() - 1;
  size_t plain = 0;
  while (plain < avail && is_plain(pending_[pending_.size() - 1 - plain])) ++plain;
  if (plain == 0) return false;
  size_t used = 0;
  std::optional<PathLoc> hit = cache_->find_run(cur_.path, pending_, plain, &used);
  if (!hit) return false;
  pending_.resize(pending_.size() - used);
  cur_ = std::move(*hit);
  return true;
}

Result<void> PathWalker::advance(bool include_final, bool follow_final) {
  if (cache_) {
    if (try_cached_run(include_final)) return {};
    // Below a cached directory, go one name at a time so that each
    // directory passed gets cached (with its watch) for the next walk.
    if (!cache_->may_cache_below(cur_) && TRY(try_fast_run(include_final, follow_final))) return {};
  } else if (TRY(try_fast_run(include_final, follow_final))) {
    return {};
  }
  std::string name = std::move(pending_.back());
  pending_.pop_back();
  return step(name, include_final && pending_.empty(), follow_final);
}

Result<bool> PathWalker::try_fast_run(bool include_final, bool follow_final) {
  if (!cur_.inode->is_dir()) return false;
  const size_t avail = include_final ? pending_.size() : pending_.size() - 1;
  size_t count = 0;
  std::string rel, prefix = cur_.path, parent_rel, parent_prefix;
  while (count < avail) {
    const std::string& name = pending_[pending_.size() - 1 - count];
    if (!is_plain(name)) break;
    parent_rel = rel;
    parent_prefix = prefix;
    if (!rel.empty()) rel += '/';
    rel += name;
    prefix = path_child(prefix, name);
    ++count;
    // The run may end on a mountpoint but never pass through one.
    if (ns_.mount_at(prefix)) break;
  }
  if (count < 2) return false;
  Result<InodeRef> found = cur_.inode->lookup_run(rel);
  if (!found.ok()) {
    if (step_instead(found.error())) return false;
    return err(found.error());
  }
  const bool is_final = count == pending_.size();
  PathLoc loc = TRY(cross_mounts(PathLoc{cur_.mnt, found.release_value(), prefix}));
  if (loc.inode->is_symlink() && (!is_final || follow_final || trailing_)) {
    if (resolve_ & kResolveNoSymlinks) return err(ELOOP);
    std::string target = TRY(loc.inode->readlink());
    if (!target.empty() && target.front() == '/') {
      // An absolute target restarts at the root: the link's directory is not needed.
      pending_.resize(pending_.size() - count);
      TRY(queue_target(target));
      return true;
    }
    // A relative target is relative to the link's directory: find that too.
    Result<InodeRef> parent = count > 2 ? cur_.inode->lookup_run(parent_rel) : cur_.inode->lookup(parent_rel, cred_);
    if (!parent.ok()) return false;
    cur_ = PathLoc{cur_.mnt, parent.release_value(), parent_prefix};
    pending_.resize(pending_.size() - count);
    TRY(queue_target(target));
    return true;
  }
  pending_.resize(pending_.size() - count);
  cur_ = std::move(loc);
  return true;
}

Result<void> PathWalker::walk_parent() {
  TRY(init_error_);
  while (pending_.size() > 1) TRY(advance(false, false));
  if (pending_.empty()) {
    last_.clear();
    last_kind_ = Last::Root;
  } else {
    last_ = pending_.back();
    last_kind_ = last_ == "." ? Last::Dot : last_ == ".." ? Last::DotDot : Last::Normal;
    if (last_.size() > kNameMax) return err(ENAMETOOLONG);
  }
  // The parent of a final component must be a directory.
  if (!cur_.inode->is_dir()) return err(ENOTDIR);
  return {};
}

Result<PathLoc> PathWalker::lookup_last() {
  switch (last_kind_) {
    case Last::Root:
      return cur_;
    case Last::Dot:
      pending_.pop_back();
      return cur_;
    case Last::DotDot:
      pending_.pop_back();
      TRY(dotdot());
      return cur_;
    case Last::Normal:
      break;
  }
  pending_.pop_back();
  InodeRef child = TRY(cur_.inode->lookup(last_, cred_));
  return cross_mounts(PathLoc{cur_.mnt, std::move(child), path_child(cur_.path, last_)});
}

Result<void> PathWalker::follow(const PathLoc& link) { return queue_symlink(link); }

Result<PathLoc> PathWalker::resolve(bool follow) {
  TRY(init_error_);
  while (!pending_.empty()) TRY(advance(true, follow));
  if (trailing_ && !cur_.inode->is_dir()) return err(ENOTDIR);
  return cur_;
}

}  // namespace lx
