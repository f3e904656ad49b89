// Vfs metadata operations on paths: chmod, chown, utimens, truncate, statfs
// and xattrs. The permission rules Linux applies in the VFS (owner or root
// for chmod and explicit times, root for chown) are checked here against the
// guest's credentials for filesystems that keep their own owners; hostfs
// leaves them to the host, which judges the provider's user.
#include "kernel/vfs/DirCache.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFs.h"
#include "kernel/vfs/Permission.h"
#include "kernel/vfs/Vfs.h"

namespace lx {

namespace {

constexpr int64_t kStRdonly = 1;  // ST_RDONLY in statfs f_flags

bool kernel_checks_owner(const Inode& inode) { return hostfs_fd(inode) < 0; }

// ---- xattrs a file does not have (DirCache.h notes, XattrAbsence.h) -----------

struct AbsentXattr {
  std::optional<int> error;  // the answer, when known without the host
  bool may_learn = false;    // the name is not in the file's list: learn the host's answer
  uint64_t dev = 0;
  unsigned type = 0;
};

// Whether the host filesystem `dev` lists xattrs exactly, judged once by
// statfs of `probe`, an inode on it when probe_is_target, else the target's
// directory (then only if the two share the device).
std::optional<bool> judge_fs(DirCache& dc, uint64_t dev, Inode& probe, bool probe_is_target) {
  if (std::optional<bool> known = dc.xattr_fs_exact(dev)) return known;
  if (!probe_is_target) {
    Result<abi::Stat> st = probe.stat();
    if (!st.ok() || st.value().st_dev != dev) return std::nullopt;  // a host mountpoint: not judged
  }
  Result<abi::StatFs> fs = probe.statfs();
  if (!fs.ok()) return std::nullopt;
  const bool exact = XattrAbsence::exact_lister(fs.value().f_type);
  dc.judge_xattr_fs(dev, exact);
  return exact;
}

// The note (dir, name) says what the target is; its xattr list, asked of
// the host once per name with `list`, then answers names it lacks.
template <typename List>
AbsentXattr absent_xattr(DirCache& dc, const PathLoc& dir, std::string_view name, const std::string& xname,
                         Inode& probe, bool probe_is_target, List list) {
  AbsentXattr out;
  if (!XattrAbsence::learnable(xname)) return out;
  DirCache::NameFacts f = dc.facts(dir, name);
  if (f.type == 0) return out;
  if (!f.listed) {
    uint8_t buf[256];  // ERANGE for a longer list: no shortcut for this name
    Result<uint64_t> n = list(std::span<uint8_t>(buf, sizeof buf));
    if (!n.ok() || n.value() > sizeof buf) return out;
    f.xattrs.assign(reinterpret_cast<const char*>(buf), n.value());
    dc.note_xattrs(dir, name, f.xattrs);
  }
  if (XattrAbsence::listed(f.xattrs, xname)) return out;
  if (judge_fs(dc, f.dev, probe, probe_is_target) != true) return out;
  out.may_learn = true;
  out.dev = f.dev;
  out.type = f.type;
  out.error = dc.absent_xattr(f.dev, f.type, xname);
  return out;
}

void learn_absent_xattr(DirCache& dc, const AbsentXattr& a, const std::string& xname, const Result<uint64_t>& n) {
  if (!a.may_learn) return;
  // A value for a name the list did not show (or a host change racing us):
  // trust nothing more from that filesystem.
  if (n.ok() || n.error() == ERANGE || n.error() == E2BIG) {
    dc.distrust_xattr_fs(a.dev);
    return;
  }
  dc.learn_absent_xattr(a.dev, a.type, xname, n.error());
}

}  // namespace

Result<void> Vfs::chmod(const std::string& base, const std::string& path, unsigned mode, bool follow) {
  PathLoc loc = TRY(lookup(base, path, follow));
  if (loc.mnt->read_only) return err(EROFS);
  // Linux has no symlink modes: fchmodat(AT_SYMLINK_NOFOLLOW) on one fails.
  if (loc.inode->is_symlink()) return err(EOPNOTSUPP);
  SetAttr a;
  a.mode = mode & 07777;
  if (kernel_checks_owner(*loc.inode)) {
    const abi::Stat st = TRY(loc.inode->owner_stat());
    a.mode = TRY(check_chmod(st, mode, cred()));
  }
  TRY(dirs_changed(loc.inode->setattr(a)));
  notify_inode(loc, in::kAttrib);
  return {};
}

Result<void> Vfs::chown(const std::string& base, const std::string& path, uint32_t uid, uint32_t gid,
                        bool follow) {
  PathLoc loc = TRY(lookup(base, path, follow));
  if (loc.mnt->read_only) return err(EROFS);
  SetAttr a;
  if (uid != UINT32_MAX) a.uid = uid;
  if (gid != UINT32_MAX) a.gid = gid;
  if (kernel_checks_owner(*loc.inode)) {
    const abi::Stat st = TRY(loc.inode->owner_stat());
    TRY(check_chown(st, uid, gid, cred()));
  }
  TRY(dirs_changed(loc.inode->setattr(a)));
  // notify_change reports even a chown to the same owner (ATTR_UID set).
  if (a.uid || a.gid) notify_inode(loc, in::kAttrib);
  return {};
}

Result<void> Vfs::utimens(const std::string& base, const std::string& path, const abi::Timespec times[2],
                          bool follow) {
  if (times) {
    for (int i = 0; i < 2; ++i) {
      const int64_t ns = times[i].tv_nsec;
      if (ns != kUtimeNow && ns != kUtimeOmit && (ns < 0 || ns > 999999999)) return err(EINVAL);
    }
  }
  const TimesChange tc = times_change(times);
  const SetAttr& a = tc.attr;
  const bool explicit_time = tc.explicit_time;
  PathLoc loc = TRY(lookup(base, path, follow));
  if (!a.atime && !a.mtime) return {};  // both UTIME_OMIT: nothing to do, nothing checked
  if (loc.mnt->read_only) return err(EROFS);
  if (kernel_checks_owner(*loc.inode)) {
    // Setting the time to "now" needs write access; anything else, ownership.
    const abi::Stat st = TRY(loc.inode->owner_stat());
    if (!owner_or_capable(st, cred())) {
      if (explicit_time) return err(EPERM);
      TRY(loc.inode->permission(kMayWrite, cred()));
    }
  }
  TRY(loc.inode->setattr(a));
  notify_inode(loc, times_event(a.atime.has_value(), a.mtime.has_value()));
  return {};
}

Result<void> Vfs::truncate(const std::string& base, const std::string& path, int64_t length) {
  if (length < 0) return err(EINVAL);
  PathLoc loc = TRY(lookup(base, path, true));
  if (loc.inode->is_dir()) return err(EISDIR);
  if (loc.inode->type() != abi::kSIfreg) return err(EINVAL);
  if (loc.mnt->read_only) return err(EROFS);
  if (kernel_checks_owner(*loc.inode)) TRY(loc.inode->permission(kMayWrite, cred()));
  SetAttr a;
  a.size = length;
  TRY(loc.inode->setattr(a));
  notify_inode(loc, in::kModify);
  return {};
}

Result<abi::StatFs> Vfs::statfs(const std::string& base, const std::string& path) {
  PathLoc loc = TRY(lookup(base, path, true));
  abi::StatFs s = TRY(loc.inode->statfs());
  if (loc.mnt->read_only) s.f_flags |= kStRdonly;
  return s;
}

Result<uint64_t> Vfs::getxattr(const std::string& base, const std::string& path, const std::string& name,
                               std::span<uint8_t> value, bool follow) {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  TRY(w.walk_parent());
  if (final_is_plain_entry(w)) {
    const PathLoc& dir = w.dir();
    Inode& d = *dir.inode;
    const std::string& last = w.last();
    bool direct = true;
    if (follow) {
      // Only a non-symlink may be asked directly (the host must not follow
      // links); `ls -l` has just stat'ed the name, so its type is usually known.
      unsigned type = dcache_->facts(dir, last).type;
      if (type == 0) {
        Result<abi::Stat> st = d.stat_child(last);
        if (!st.ok() && st.error() != ENOSYS) return err(st.error());
        if (st.ok()) {
          type = st.value().st_mode & abi::kSIfmt;
          dcache_->note_stat(dir, last, type, st.value().st_dev);
        }
      }
      direct = type != 0 && type != abi::kSIflnk;
    }
    if (direct) {
      const AbsentXattr a = absent_xattr(*dcache_, dir, last, name, d, false,
                                         [&](std::span<uint8_t> b) { return d.listxattr_child(last, b); });
      if (a.error) return err(*a.error);
      Result<uint64_t> n = d.getxattr_child(last, name, value);
      learn_absent_xattr(*dcache_, a, name, n);
      if (n.ok() || n.error() != ENOSYS) return n;
    }
  }
  PathLoc loc = TRY(w.resolve(follow));
  // `dir/.`, `dir/..`: a cached directory noted by the stat just before.
  Inode& target = *loc.inode;
  auto list = [&](std::span<uint8_t> b) -> Result<uint64_t> {
    // Asked of its (cached) parent by name: one host call without the /proc lookup.
    if (loc.path != loc.mnt->path) {
      std::optional<PathLoc> up = dcache_->find(path_parent(loc.path));
      if (up && up->mnt == loc.mnt) {
        Result<uint64_t> n = up->inode->listxattr_child(loc.path.substr(loc.path.rfind('/') + 1), b);
        if (n.ok() || n.error() != ENOSYS) return n;
      }
    }
    return target.listxattr(b);
  };
  const AbsentXattr a = absent_xattr(*dcache_, loc, "", name, target, true, list);
  if (a.error) return err(*a.error);
  Result<uint64_t> n = target.getxattr(name, value);
  learn_absent_xattr(*dcache_, a, name, n);
  return n;
}

Result<void> Vfs::setxattr(const std::string& base, const std::string& path, const std::string& name,
                           std::span<const uint8_t> value, int flags, bool follow) {
  PathLoc loc = TRY(lookup(base, path, follow));
  if (loc.mnt->read_only) return err(EROFS);
  TRY(loc.inode->setxattr(name, value, flags));
  notify_inode(loc, in::kAttrib);
  return {};
}

Result<uint64_t> Vfs::listxattr(const std::string& base, const std::string& path, std::span<uint8_t> list,
                                bool follow) {
  PathLoc loc = TRY(lookup(base, path, follow));
  return loc.inode->listxattr(list);
}

Result<void> Vfs::removexattr(const std::string& base, const std::string& path, const std::string& name,
                              bool follow) {
  PathLoc loc = TRY(lookup(base, path, follow));
  if (loc.mnt->read_only) return err(EROFS);
  TRY(loc.inode->removexattr(name));
  notify_inode(loc, in::kAttrib);
  return {};
}

}  // namespace lx
