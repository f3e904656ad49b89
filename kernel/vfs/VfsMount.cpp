// mount(2) and umount2(2) on the Vfs: new filesystems, bind mounts,
// remounts, moves and unmounts of the instance's single mount namespace.
// The syscall layer (syscalls/mount.cpp) checks privileges and parses
// flags and options; this file keeps the mount table consistent.
#include <string>
#include <utility>

#include "kernel/vfs/Vfs.h"

namespace lx {

namespace {

// graft_tree(): a directory covers a directory, a file a file.
Result<void> check_same_kind(const Inode& covered, const Inode& root) {
  if (covered.is_dir() != root.is_dir()) return err(ENOTDIR);
  return {};
}

// Whether `path` is `top` or below it (both canonical).
bool at_or_below(const std::string& top, const std::string& path) {
  if (top == "/") return true;
  return path.compare(0, top.size(), top) == 0 && (path.size() == top.size() || path[top.size()] == '/');
}

}  // namespace

Result<PathLoc> Vfs::find(const std::string& base, const std::string& path, bool follow) const {
  return lookup_uncached(base, path, follow);
}

Result<void> Vfs::mount_new(const PathLoc& at, InodeRef root, const MountFlags& f, Mount desc) {
  TRY(check_same_kind(*at.inode, *root));
  desc.path = at.path;
  desc.root = std::move(root);
  desc.mountpoint = at.path == "/" ? at.mnt->root : at.inode;
  desc.parent = at.mnt;
  desc.read_only = f.read_only;
  desc.nosuid = f.nosuid;
  desc.nodev = f.nodev;
  desc.noexec = f.noexec;
  ns_->add(std::move(desc));
  return dirs_changed({});
}

Result<void> Vfs::mount_bind(const PathLoc& src, const PathLoc& at, bool recursive) {
  TRY(check_same_kind(*at.inode, *src.inode));
  // The mounts to copy, found before the new one is added (a bind of a
  // directory onto a place below itself must not copy itself).
  std::vector<const Mount*> below;
  if (recursive && src.inode->is_dir())
    for (const Mount* m : ns_->mounts())
      if (m->path != src.path && at_or_below(src.path, m->path) && m != src.mnt) below.push_back(m);
  auto copy = [](const Mount& from, const std::string& fs_root) {
    Mount m;
    m.read_only = from.read_only;
    m.nosuid = from.nosuid;
    m.nodev = from.nodev;
    m.noexec = from.noexec;
    m.lock_read_only = from.lock_read_only;
    m.source = from.source;
    m.fstype = from.fstype;
    m.device = from.device;
    m.fs_options = from.fs_options;
    m.fs_root = fs_root;
    return m;
  };
  const std::string rel = path_below(src.mnt->path, src.path);
  const std::string fs_root = rel.empty() ? src.mnt->fs_root : path_child(src.mnt->fs_root, rel);
  Mount top = copy(*src.mnt, fs_root);
  top.path = at.path;
  top.root = src.inode;
  top.mountpoint = at.path == "/" ? at.mnt->root : at.inode;
  top.parent = at.mnt;
  ns_->add(std::move(top));
  for (const Mount* m : below) {
    // Visible mounts only: one hidden under another at the same path
    // would be copied on top of it.
    if (ns_->mount_at(m->path) != m) continue;
    const std::string dest = path_child(at.path, path_below(src.path, m->path));
    Result<PathLoc> where = lookup("/", dest, false);
    if (!where.ok()) continue;
    Mount c = copy(*m, m->fs_root);
    c.path = where.value().path;
    c.root = m->root;
    c.mountpoint = where.value().inode;
    c.parent = where.value().mnt;
    ns_->add(std::move(c));
  }
  return dirs_changed({});
}

Result<void> Vfs::remount(const PathLoc& at, const MountFlags& f) {
  if (!is_mount_root(at)) return err(EINVAL);
  if (at.mnt->lock_read_only && !f.read_only) return err(EPERM);
  ns_->set_flags(at.mnt, f.read_only, f.nosuid, f.nodev, f.noexec);
  return dirs_changed({});
}

Result<void> Vfs::move_mount(const PathLoc& src, const PathLoc& at) {
  if (!is_mount_root(src) || src.path == "/") return err(EINVAL);
  TRY(check_same_kind(*at.inode, *src.inode));
  // do_move_mount(): not into itself.
  if (at_or_below(src.path, at.path)) return err(ELOOP);
  ns_->move_tree(src.mnt, at.path, at.mnt, at.path == "/" ? at.mnt->root : at.inode);
  return dirs_changed({});
}

Result<void> Vfs::umount(const PathLoc& at, bool detach, const std::function<bool(const std::string&)>& busy) {
  if (!is_mount_root(at)) return err(EINVAL);
  // The instance root (and what covers it) is every process's root.
  if (at.path == "/") return err(detach ? EINVAL : EBUSY);
  if (!detach && (!ns_->children(at.mnt).empty() || busy(at.path))) return err(EBUSY);
  ns_->remove_tree(at.mnt);
  return dirs_changed({});
}

}  // namespace lx
