// Vfs operations that change names: mkdir, mknod, symlink, link, unlink,
// rmdir, rename. The VFS makes the checks Linux makes in fs/namei.c (last
// component kind, EROFS, EXDEV, EBUSY for mountpoints) in Linux's order;
// filesystems make the ones that depend on the victim, atomically.
#include "kernel/CurrentTask.h"
#include "kernel/Task.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFs.h"
#include "kernel/vfs/Permission.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

namespace {

// Removing `victim` from `dir` (unlink, rmdir, either side of rename): the
// parent's W|X and the sticky rule, for filesystems with their own owners
// (hostfs leaves it to the host).
Result<void> check_delete(Inode& dir, Inode& victim, const Credentials& cred) {
  if (hostfs_fd(dir) >= 0) return {};
  const abi::Stat d = TRY(dir.stat());
  const abi::Stat v = TRY(victim.stat());
  return may_delete(d, v, cred);
}

}  // namespace

Result<void> Vfs::check_create(PathWalker& w, bool allow_trailing_slash) const {
  TRY(w.walk_parent());
  // "/", "." and ".." always exist.
  if (w.last_kind() != PathWalker::Last::Normal) return err(EEXIST);
  const PathLoc dir = w.dir();
  Result<PathLoc> found = w.lookup_last();
  if (found.ok()) return err(EEXIST);
  if (found.error() != ENOENT) return err(found.error());
  // Only mkdir may name its new entry "name/".
  if (w.trailing_slash() && !allow_trailing_slash) return err(ENOENT);
  if (dir.mnt->read_only) return err(EROFS);
  return {};
}

Result<bool> Vfs::make_first(PathWalker& w,
                             const std::function<Result<void>(Inode& dir, const std::string& name)>& make) {
  TRY(w.walk_parent());
  if (w.last_kind() != PathWalker::Last::Normal) return false;
  const PathLoc dir = w.dir();
  if (dir.mnt->read_only || !final_is_plain_entry(w) || !dir.inode->permission(kMayExec, cred()).ok()) return false;
  Result<void> made = make(*dir.inode, w.last());
  if (made.ok()) return true;
  if (made.error() == EEXIST) return err(EEXIST);
  return false;
}

Result<void> Vfs::mkdir(const std::string& base, const std::string& path, unsigned mode) {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  const auto make = [&](Inode& dir, const std::string& name) { return dir.mkdir(name, mode & 07777, cred()); };
  if (!TRY(make_first(w, make))) {
    TRY(check_create(w, true));
    TRY(make(*w.dir().inode, w.last()));
  }
  if (notify_->active()) notify_->event(key_of(*w.dir().inode), in::kCreate | in::kIsdir, w.last());
  return {};
}

Result<void> Vfs::mknod(const std::string& base, const std::string& path, unsigned mode, uint64_t dev) {
  unsigned type = mode & abi::kSIfmt;
  if (type == 0) type = abi::kSIfreg;
  // may_mknod(): checked before the path is even looked at.
  if (type == abi::kSIfdir) return err(EPERM);
  if (type != abi::kSIfreg && type != abi::kSIfifo && type != abi::kSIfsock && type != abi::kSIfchr &&
      type != abi::kSIfblk)
    return err(EINVAL);
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  const Credentials c = cred();
  // Device nodes need CAP_MKNOD and a filesystem that stores them (lxfs);
  // the other types ignore dev as Linux does.
  const bool device = type == abi::kSIfchr || type == abi::kSIfblk;
  const auto make = [&](Inode& dir, const std::string& name) {
    return device ? dir.mknod_device(name, type | (mode & 07777), dev, c) : dir.mknod(name, type | (mode & 07777), c);
  };
  // EEXIST comes before CAP_MKNOD's EPERM: only the capable make first.
  if (!(device && !c.capable(Credentials::kCapMknod)) && TRY(make_first(w, make))) {
    if (notify_->active()) notify_->event(key_of(*w.dir().inode), in::kCreate, w.last());
    return {};
  }
  TRY(check_create(w, false));
  if (device && !c.capable(Credentials::kCapMknod)) {
    // vfs_mknod: may_create's EACCES comes before CAP_MKNOD's EPERM.
    TRY(w.dir().inode->permission(kMayWrite | kMayExec, c));
    return err(EPERM);
  }
  TRY(make(*w.dir().inode, w.last()));
  if (notify_->active()) notify_->event(key_of(*w.dir().inode), in::kCreate, w.last());
  return {};
}

Result<void> Vfs::symlink(const std::string& target, const std::string& base, const std::string& path) {
  if (target.empty() || path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  const auto make = [&](Inode& dir, const std::string& name) { return dir.symlink(name, target, cred()); };
  if (!TRY(make_first(w, make))) {
    TRY(check_create(w, false));
    TRY(make(*w.dir().inode, w.last()));
  }
  if (notify_->active()) notify_->event(key_of(*w.dir().inode), in::kCreate, w.last());
  return {};
}

Result<void> Vfs::link(const std::string& old_base, const std::string& old_path, const std::string& new_base,
                       const std::string& new_path, bool follow) {
  if (old_path.empty() || new_path.empty()) return err(ENOENT);
  // The old name: its directory and last component are what hostfs links by.
  PathWalker ow = TRY(walker(old_base, old_path));
  PathLoc old_dir, old;
  std::string old_name;
  for (;;) {
    TRY(ow.walk_parent());
    old_dir = ow.dir();
    old_name = ow.last();
    const PathWalker::Last kind = ow.last_kind();
    old = TRY(ow.lookup_last());
    if (kind != PathWalker::Last::Normal) return err(EPERM);  // always a directory
    if (follow && old.inode->is_symlink()) {
      TRY(ow.follow(old));
      continue;
    }
    if (ow.trailing_slash() && !old.inode->is_dir()) return err(ENOTDIR);
    break;
  }
  PathWalker nw = TRY(walker(new_base, new_path));
  TRY(nw.walk_parent());
  if (nw.last_kind() != PathWalker::Last::Normal) return err(EEXIST);
  const PathLoc new_dir = nw.dir();
  const std::string new_name = nw.last();
  Result<PathLoc> taken = nw.lookup_last();
  if (taken.ok()) return err(EEXIST);
  if (taken.error() != ENOENT) return err(taken.error());
  if (nw.trailing_slash()) return err(ENOENT);
  if (new_dir.mnt->read_only) return err(EROFS);
  if (new_dir.mnt != old.mnt) return err(EXDEV);  // the file's own mount, as Linux compares
  if (old.inode->is_dir()) return err(EPERM);
  if (hostfs_fd(*new_dir.inode) < 0) {
    const abi::Stat nd = TRY(new_dir.inode->stat());
    TRY(may_create(nd, cred()));
  }
  TRY(new_dir.inode->link(new_name, *old_dir.inode, old_name, *old.inode));
  if (notify_->active()) {
    // fsnotify_link: the link count first, then the new name.
    notify_->event(key_of(*old.inode), in::kAttrib);
    notify_->event(key_of(*new_dir.inode), in::kCreate, new_name);
  }
  return {};
}

Result<void> Vfs::unlink(const std::string& base, const std::string& path) {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  TRY(w.walk_parent());
  if (w.last_kind() != PathWalker::Last::Normal) return err(EISDIR);
  const PathLoc dir = w.dir();
  const std::string name = w.last();
  // Linux asks for write access to the mount before looking the victim up.
  if (dir.mnt->read_only) return err(EROFS);
  PathLoc victim = TRY(w.lookup_last());
  if (w.trailing_slash()) return err(victim.inode->is_dir() ? EISDIR : ENOTDIR);
  TRY(check_delete(*dir.inode, *victim.inode, cred()));
  if (victim.inode->is_dir()) return err(EISDIR);
  if (!notify_->active()) return dir.inode->unlink(name);
  Result<abi::Stat> vst = victim.inode->stat();
  TRY(dir.inode->unlink(name));
  // vfs_unlink: the link count changed; an inode left without names goes
  // (IN_DELETE_SELF, now or at its last close); then the directory hears.
  if (vst.ok()) {
    const InodeKey vkey{vst.value().st_dev, vst.value().st_ino};
    notify_->event(vkey, in::kAttrib);
    if (vst.value().st_nlink <= 1) notify_->unlinked(vkey, false);
  }
  notify_->event(key_of(*dir.inode), in::kDelete, name);
  return {};
}

Result<void> Vfs::rmdir(const std::string& base, const std::string& path) {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  TRY(w.walk_parent());
  switch (w.last_kind()) {
    case PathWalker::Last::Dot: return err(EINVAL);
    case PathWalker::Last::DotDot: return err(ENOTEMPTY);
    case PathWalker::Last::Root: return err(EBUSY);
    case PathWalker::Last::Normal: break;
  }
  const PathLoc dir = w.dir();
  const std::string name = w.last();
  if (dir.mnt->read_only) return err(EROFS);
  const std::string victim_path = path_child(dir.path, name);
  PathLoc victim = TRY(w.lookup_last());
  TRY(check_delete(*dir.inode, *victim.inode, cred()));
  if (!victim.inode->is_dir()) return err(ENOTDIR);
  if (ns_->has_mount_at_or_below(victim_path)) return err(EBUSY);
  const InodeKey vkey = notify_->active() ? key_of(*victim.inode) : InodeKey{};
  TRY(dirs_changed(dir.inode->rmdir(name)));
  if (notify_->active()) {
    notify_->unlinked(vkey, true);
    notify_->event(key_of(*dir.inode), in::kDelete | in::kIsdir, name);
  }
  return {};
}

Result<void> Vfs::rename(const std::string& old_base, const std::string& old_path, const std::string& new_base,
                         const std::string& new_path, unsigned flags) {
  if (flags & ~(kRenameNoreplace | kRenameExchange | kRenameWhiteout)) return err(EINVAL);
  if ((flags & (kRenameNoreplace | kRenameWhiteout)) && (flags & kRenameExchange)) return err(EINVAL);
  if (flags & kRenameWhiteout) return err(EINVAL);  // overlayfs support we do not have
  if (old_path.empty() || new_path.empty()) return err(ENOENT);
  PathWalker ow = TRY(walker(old_base, old_path));
  TRY(ow.walk_parent());
  PathWalker nw = TRY(walker(new_base, new_path));
  TRY(nw.walk_parent());
  const PathLoc old_dir = ow.dir(), new_dir = nw.dir();
  if (old_dir.mnt != new_dir.mnt) return err(EXDEV);
  if (ow.last_kind() != PathWalker::Last::Normal) return err(EBUSY);
  if (nw.last_kind() != PathWalker::Last::Normal) return err(flags & kRenameNoreplace ? EEXIST : EBUSY);
  if (old_dir.mnt->read_only) return err(EROFS);
  const std::string old_name = ow.last(), new_name = nw.last();
  const std::string old_full = path_child(old_dir.path, old_name), new_full = path_child(new_dir.path, new_name);
  PathLoc src = TRY(ow.lookup_last());
  Result<PathLoc> dst = nw.lookup_last();
  if (!dst.ok() && (dst.error() != ENOENT || (flags & kRenameExchange))) return err(dst.error());
  if (dst.ok() && (flags & kRenameNoreplace)) return err(EEXIST);
  {
    const Credentials c = cred();
    TRY(check_delete(*old_dir.inode, *src.inode, c));
    if (dst.ok()) {
      TRY(check_delete(*new_dir.inode, *dst.value().inode, c));
    } else if (hostfs_fd(*new_dir.inode) < 0) {
      const abi::Stat nd = TRY(new_dir.inode->stat());
      TRY(may_create(nd, c));
    }
    // Moving a directory to another parent rewrites its "..": write access to it.
    if (src.inode->is_dir() && hostfs_fd(*src.inode) < 0 && !old_dir.inode->same_file(*new_dir.inode))
      TRY(src.inode->permission(kMayWrite, c));
  }
  // A trailing slash is only for directories (on either side when exchanging).
  if (!src.inode->is_dir() && (ow.trailing_slash() || (!(flags & kRenameExchange) && nw.trailing_slash())))
    return err(ENOTDIR);
  if ((flags & kRenameExchange) && dst.ok() && !dst.value().inode->is_dir() && nw.trailing_slash())
    return err(ENOTDIR);
  // Mounts are keyed by path: what holds one cannot move (see Mount.h).
  if (ns_->has_mount_at_or_below(old_full) || (dst.ok() && ns_->has_mount_at_or_below(new_full)))
    return err(EBUSY);
  if (!notify_->active()) return dirs_changed(old_dir.inode->rename(old_name, *new_dir.inode, new_name, flags));
  const InodeKey src_key = key_of(*src.inode), odir_key = key_of(*old_dir.inode), ndir_key = key_of(*new_dir.inode);
  Result<abi::Stat> dst_st = dst.ok() ? dst.value().inode->stat() : Result<abi::Stat>(err(ENOENT));
  TRY(dirs_changed(old_dir.inode->rename(old_name, *new_dir.inode, new_name, flags)));
  notify_renamed(odir_key, old_name, ndir_key, new_name, src_key, src.inode->is_dir(), dst_st, flags);
  return {};
}

}  // namespace lx
