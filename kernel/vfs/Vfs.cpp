// The Vfs facade: mounts, open, and the lookups (stat, readlink, access,
// chdir). Namespace-changing operations are in VfsNamespace.cpp, metadata
// operations in VfsAttr.cpp.
#include "kernel/vfs/Vfs.h"

#include <utility>

#include "kernel/dev/DeviceRegistry.h"
#include "kernel/ipc/Fifo.h"
#include "kernel/vfs/DirCache.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/HostFs.h"

namespace lx {

namespace {

// Linux refuses writes on a read-only mount only for these types; devices,
// FIFOs and sockets on it stay writable.
bool is_fs_object(unsigned type) {
  return type == abi::kSIfreg || type == abi::kSIfdir || type == abi::kSIflnk;
}

int access_mask(int flags) {
  switch (flags & abi::kOAccmode) {
    case abi::kORdonly: return kMayRead;
    case abi::kOWronly: return kMayWrite;
    case abi::kORdwr: return kMayRead | kMayWrite;
    default: return 0;  // 3: ioctl-only opens check nothing here
  }
}

}  // namespace

std::string join_guest_path(const std::string& base, const std::string& path) {
  if (!path.empty() && path.front() == '/') return path;
  // `..` is deliberately not folded here: only the walk knows whether the
  // component before it was a symlink.
  std::string b = base.empty() ? "/" : base;
  if (path.empty()) return b;
  if (b.back() != '/') b += '/';
  return b + path;
}

Result<std::unique_ptr<Vfs>> Vfs::create(const std::string& host_root, bool read_only) {
  InodeRef root = TRY(make_hostfs_root(host_root));
  Mount m;
  m.root = std::move(root);
  m.read_only = read_only;
  m.lock_read_only = read_only;  // a host directory the instance may not write
  m.source = "hostfs:" + host_root;
  return std::unique_ptr<Vfs>(new Vfs(std::make_unique<MountNamespace>(std::move(m))));
}

Vfs::Vfs(std::unique_ptr<MountNamespace> ns)
    : ns_(std::move(ns)),
      fifos_(std::make_unique<FifoRegistry>()),
      devices_(std::make_unique<DeviceRegistry>()),
      dcache_(std::make_unique<DirCache>()),
      notify_(std::make_shared<FsNotify>()) {}

Vfs::~Vfs() = default;

Result<void> Vfs::dirs_changed(Result<void> r) {
  dcache_->invalidate();
  return r;
}

PathLoc Vfs::root_loc() const {
  const Mount& r = ns_->root();
  // The top-most mount on "/" (a later mount may cover the first root).
  const Mount* top = ns_->mount_at("/");
  return PathLoc{top, top ? top->root : r.root, "/"};
}

Result<PathWalker> Vfs::walker(const std::string& base, const std::string& path, unsigned resolve) const {
  const PathLoc root = root_loc();
  if (resolve == 0) {
    PathWalker w(*ns_, root, root, join_guest_path(base, path), 0, cred());
    w.set_cache(dcache_.get());
    return w;
  }
  // RESOLVE_* restrict only the walk of `path`: the directory it starts
  // from (the dirfd) is found without them.
  PathWalker b(*ns_, root, root, base.empty() ? std::string("/") : base, 0, cred());
  b.set_cache(dcache_.get());
  PathLoc start = TRY(b.resolve(true));
  if (!start.inode->is_dir()) return err(ENOTDIR);
  const bool confined = resolve & (kResolveBeneath | kResolveInRoot);
  // No cache for the restricted walk: a cached run would skip the
  // per-component checks (RESOLVE_NO_XDEV at mounts, for one).
  return PathWalker(*ns_, confined ? start : root, start, path, resolve, cred());
}

Result<PathLoc> Vfs::lookup(const std::string& base, const std::string& path, bool follow) const {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  return w.resolve(follow);
}

Result<PathLoc> Vfs::lookup_uncached(const std::string& base, const std::string& path, bool follow) const {
  if (path.empty()) return err(ENOENT);
  // Mountpoints: a mount drops the cache right after, so directories cached
  // (and watched: a host watch on a big directory such as /tmp walks all its
  // cached entries) on the way would be dropped unused.
  const PathLoc root = root_loc();
  PathWalker w(*ns_, root, root, join_guest_path(base, path), 0, cred());
  return w.resolve(follow);
}

Result<PathLoc> Vfs::lookup_dir(const std::string& path) const {
  PathLoc loc = TRY(lookup_uncached("/", path, true));
  if (!loc.inode->is_dir()) return err(ENOTDIR);
  return loc;
}

// ---- mounts --------------------------------------------------------------------

Result<void> Vfs::mount_filesystem(const std::string& guest_path, InodeRef root, bool read_only, std::string source) {
  PathLoc at = TRY(lookup_dir(guest_path));
  Mount m;
  m.path = at.path;
  m.root = std::move(root);
  m.mountpoint = at.inode;
  m.parent = at.mnt;
  m.read_only = read_only;
  m.lock_read_only = read_only;  // the instance's choice: no remount undoes it
  // Pseudo-filesystems are mounted nosuid,nodev,noexec, as distributions do.
  m.nosuid = m.nodev = m.noexec = source == "proc" || source == "sysfs";
  m.source = std::move(source);
  if (m.path == "/") {
    // Covering the root: the new mount's parent is the old root mount.
    m.mountpoint = at.mnt->root;
  }
  ns_->add(std::move(m));
  return dirs_changed({});
}

Result<void> Vfs::mount_host(const std::string& host_dir, const std::string& guest_path, bool read_only) {
  InodeRef root = TRY(make_hostfs_root(host_dir));
  return mount_filesystem(guest_path, std::move(root), read_only, "hostfs:" + host_dir);
}

Result<void> Vfs::mount_tmpfs(const std::string& guest_path, const TmpfsOptions& opts, bool read_only) {
  return mount_filesystem(guest_path, make_tmpfs(opts), read_only, "tmpfs");
}

Result<void> Vfs::bind(const std::string& source_path, const std::string& guest_path, bool read_only) {
  PathLoc src = TRY(lookup("/", source_path, true));
  return mount_filesystem(guest_path, src.inode, read_only, "bind:" + src.path);
}

// ---- open ------------------------------------------------------------------------

Result<OpenFileRef> Vfs::open_existing(const PathLoc& loc, int flags) {
  OpenFileRef f = TRY(open_existing_file(loc, flags));
  f->set_mount_flags(loc.mnt->noexec, loc.mnt->nosuid);
  return f;
}

Result<OpenFileRef> Vfs::open_existing_file(const PathLoc& loc, int flags) {
  const unsigned type = loc.inode->type();
  if ((flags & abi::kODirectory) && type != abi::kSIfdir) return err(ENOTDIR);
  if (flags & abi::kOPath) return loc.inode->open(flags);
  if (type == abi::kSIflnk) return err(ELOOP);  // O_NOFOLLOW on a final symlink
  const int acc = flags & abi::kOAccmode;
  const bool wants_write = acc == abi::kOWronly || acc == abi::kORdwr || (flags & abi::kOTrunc);
  if (type == abi::kSIfdir && (wants_write || (flags & abi::kOCreat))) return err(EISDIR);
  if (wants_write && loc.mnt->read_only && is_fs_object(type)) return err(EROFS);
  // A FIFO is the kernel pipe its openers share, whatever filesystem holds
  // the name (a host FIFO is never opened on the host: that could block).
  if (type == abi::kSIfifo) {
    TRY(loc.inode->permission(access_mask(flags), cred()));
    return fifos_->open(loc.inode, flags, cred().uid, cred().gid);
  }
  // Likewise a device node opens the kernel's driver for its number, never
  // the host device (lxfs and tmpfs only report type and st_rdev).
  if (type == abi::kSIfchr || type == abi::kSIfblk) {
    if (loc.mnt->nodev) return err(EACCES);  // may_open(): MS_NODEV, before the permission check
    TRY(loc.inode->permission(access_mask(flags), cred()));
    return devices_->open(loc.inode, flags);
  }
  // hostfs: the host checks access when it opens the inode.
  if (hostfs_fd(*loc.inode) < 0) {
    int mask = access_mask(flags);
    if (flags & abi::kOTrunc) mask |= kMayWrite;
    TRY(loc.inode->permission(mask, cred()));
  }
  return loc.inode->open(flags);
}

Result<OpenFileRef> Vfs::open_creating(PathWalker& w, int flags, unsigned mode, bool* same, bool* created) {
  const bool excl = flags & abi::kOExcl;
  const bool nofollow = excl || (flags & abi::kONofollow);
  for (;;) {
    TRY(w.walk_parent());
    // O_CREAT never creates a directory: "name/", ".", ".." and "/" are EISDIR.
    if (w.last_kind() != PathWalker::Last::Normal || w.trailing_slash()) {
      Result<PathLoc> at = w.lookup_last();
      if (!at.ok() && at.error() != ENOENT) return err(at.error());
      if (at.ok() && excl) return err(EEXIST);
      return err(EISDIR);
    }
    const PathLoc dir = w.dir();
    const std::string name = w.last();
    if (excl && !dir.mnt->read_only && final_is_plain_entry(w) && dir.inode->permission(kMayExec, cred()).ok()) {
      // O_EXCL (tar's every file): create first, the name is free in the
      // common case and Inode::create says EEXIST itself; this saves the
      // lookup. Search permission first (Linux checks it before EEXIST;
      // tmpfs's create would not); any other failure takes the lookup
      // below, which orders the errors as Linux does.
      Result<OpenFileRef> made = dir.inode->create(name, mode, flags, cred());
      if (made.ok()) return created_file(std::move(made.value()), dir, name, created);
      if (made.error() == EEXIST) return err(EEXIST);
    }
    Result<PathLoc> found = w.lookup_last();
    if (found.ok()) {
      if (excl) return err(EEXIST);
      const PathLoc& loc = found.value();
      if (loc.inode->is_symlink()) {
        if (nofollow) return err(ELOOP);
        if (InodeRef target = loc.inode->is_magic_link() ? loc.inode->magic_target() : nullptr) {
          *same = true;
          return target->open(flags);
        }
        TRY(w.follow(loc));
        continue;  // a dangling symlink creates its target
      }
      return open_existing(loc, flags);
    }
    if (found.error() != ENOENT) return err(found.error());
    if (dir.mnt->read_only) return err(EROFS);
    Result<OpenFileRef> made = dir.inode->create(name, mode, flags, cred());
    if (!made.ok() && made.error() == EEXIST && !excl) {
      // Someone created it between our lookup and create: open theirs.
      PathLoc loc = TRY(w.lookup_last());
      return open_existing(loc, flags);
    }
    return created_file(TRY(std::move(made)), dir, name, created);
  }
}

OpenFileRef Vfs::created_file(OpenFileRef f, const PathLoc& dir, const std::string& name, bool* created) {
  f->set_guest_path(path_child(dir.path, name));
  *created = true;
  if (notify_->active()) notify_->event(key_of(*dir.inode), in::kCreate, name);
  f->set_mount_flags(dir.mnt->noexec, dir.mnt->nosuid);
  return f;
}

Result<OpenFileRef> Vfs::open_plain_child(PathWalker& w, int flags, unsigned resolve) {
  // Reads only: no EROFS, truncation or creation to order errors against.
  const bool read_only_open = (flags & abi::kOAccmode) == abi::kORdonly && !(flags & abi::kOTrunc);
  if (resolve || !read_only_open) return OpenFileRef{};
  TRY(w.walk_parent());
  if (!final_is_plain_entry(w)) return OpenFileRef{};
  Result<OpenFileRef> f = w.dir().inode->open_child(w.last(), flags);
  if (!f.ok()) {
    if (f.error() == ENOSYS) return OpenFileRef{};
    return err(f.error());
  }
  f.value()->set_guest_path(path_child(w.dir().path, w.last()));
  f.value()->set_mount_flags(w.dir().mnt->noexec, w.dir().mnt->nosuid);
  return f;
}

Result<OpenFileRef> Vfs::open(const std::string& base, const std::string& path, int flags, unsigned mode,
                              unsigned resolve) {
  if (resolve & ~kResolveAll) return err(EINVAL);
  if ((resolve & kResolveBeneath) && (resolve & kResolveInRoot)) return err(EINVAL);
  if (resolve & kResolveCached) return err(EAGAIN);  // nothing is ever cached: the caller retries without
  if (path.empty()) return err(ENOENT);
  const bool tmpfile = (flags & abi::kOTmpfileBit) != 0;
  if (!(flags & abi::kOPath)) {
    if (tmpfile) {
      const int acc = flags & abi::kOAccmode;
      if ((flags & abi::kOTmpfile) != abi::kOTmpfile || (flags & abi::kOCreat) ||
          (acc != abi::kOWronly && acc != abi::kORdwr))
        return err(EINVAL);
    } else if ((flags & abi::kOCreat) && (flags & abi::kODirectory)) {
      return err(EINVAL);
    }
  }
  // open(2) forces O_LARGEFILE on 64-bit, and F_GETFL shows it.
  const int status = (flags & abi::kOPath) ? (flags & abi::kOPathFlagsMask)
                                           : ((flags & abi::kStatusFlagsMask) | abi::kOLargefile);
  PathWalker w = TRY(walker(base, path, resolve));
  OpenFileRef file;
  bool created = false;
  if (flags & abi::kOPath) {
    PathLoc loc = TRY(w.resolve(!(flags & abi::kONofollow)));
    file = TRY(open_existing(loc, status));
    file->set_guest_path(loc.path);
  } else if (tmpfile) {
    PathLoc dir = TRY(w.resolve(true));
    if (!dir.inode->is_dir()) return err(ENOTDIR);
    if (dir.mnt->read_only) return err(EROFS);
    file = TRY(dir.inode->tmpfile(mode, flags, cred()));
    file->set_guest_path(dir.path);
  } else if (flags & abi::kOCreat) {
    bool same = false;
    file = TRY(open_creating(w, flags, mode, &same, &created));
    if (same) return file;
  } else {
    file = TRY(open_plain_child(w, flags, resolve));
    if (!file) {
      PathLoc loc = TRY(w.resolve(!(flags & abi::kONofollow)));
      if (loc.inode->reopens_description()) {
        if ((flags & abi::kODirectory) && !loc.inode->is_dir()) return err(ENOTDIR);
        return loc.inode->open(flags);
      }
      file = TRY(open_existing(loc, flags));
      file->set_guest_path(loc.path);
    }
  }
  if (file->guest_path().empty()) file->set_guest_path(join_guest_path(base, path));
  file->set_status_flags(status);
  notify_open(*file, flags, created);
  return file;
}

// ---- lookups ------------------------------------------------------------------------

bool Vfs::final_is_plain_entry(const PathWalker& w) const {
  // Not ".", "..", "/" or "name/", and no mount on it: the final name is
  // just an entry of w.dir(), which the filesystem can answer for directly.
  return w.last_kind() == PathWalker::Last::Normal && !w.trailing_slash() &&
         !ns_->mount_at(path_child(w.dir().path, w.last()));
}

Result<abi::Stat> Vfs::stat(const std::string& base, const std::string& path, bool follow) {
  if (path.empty()) return err(ENOENT);
  PathWalker w = TRY(walker(base, path));
  TRY(w.walk_parent());
  if (final_is_plain_entry(w)) {
    Result<abi::Stat> st = w.dir().inode->stat_child(w.last());
    if (!st.ok() && st.error() != ENOSYS) return st;
    if (st.ok()) dcache_->note_stat(w.dir(), w.last(), st.value().st_mode & abi::kSIfmt, st.value().st_dev);
    // A symlink to follow goes the long way (the walk follows it).
    if (st.ok() && !(follow && (st.value().st_mode & abi::kSIfmt) == abi::kSIflnk)) return st;
  }
  PathLoc loc = TRY(w.resolve(follow));
  Result<abi::Stat> st = loc.inode->stat();
  // `dir/.` and `dir/..` (ls -a) end at a cached directory: noted as itself.
  if (st.ok()) dcache_->note_stat(loc, "", st.value().st_mode & abi::kSIfmt, st.value().st_dev);
  return st;
}

void Vfs::begin_syscall() { dcache_->begin_call(); }

Result<abi::Timespec> Vfs::birth_time(const std::string& base, const std::string& path, bool follow) {
  if (path.empty()) return err(ENOENT);
  if (!follow) {
    // As stat(): the final name asked of its directory (coreutils stat's
    // statx), where an O_PATH open takes a lookup, an fstat and a dup.
    PathWalker w = TRY(walker(base, path));
    TRY(w.walk_parent());
    if (final_is_plain_entry(w)) {
      Result<abi::Timespec> bt = w.dir().inode->birth_time_child(w.last());
      if (bt.ok() || bt.error() != ENOSYS) return bt;
    }
  }
  OpenFileRef f = TRY(open(base, path, abi::kOPath | (follow ? 0 : abi::kONofollow), 0));
  return f->birth_time();
}

Result<std::string> Vfs::readlink(const std::string& base, const std::string& path) {
  PathLoc loc = TRY(lookup(base, path, false));
  return loc.inode->readlink();
}

Result<void> Vfs::access(const std::string& base, const std::string& path, int mode, bool follow) {
  if (mode & ~(kMayRead | kMayWrite | kMayExec)) return err(EINVAL);
  PathLoc loc = TRY(lookup(base, path, follow));
  if (mode == 0) return {};
  if ((mode & kMayWrite) && loc.mnt->read_only && is_fs_object(loc.inode->type())) return err(EROFS);
  return loc.inode->permission(mode, cred());
}

Result<std::string> Vfs::resolve_directory(const std::string& base, const std::string& path) {
  PathLoc loc = TRY(lookup(base, path, true));
  if (!loc.inode->is_dir()) return err(ENOTDIR);
  // chdir needs search permission on the directory itself.
  TRY(loc.inode->permission(kMayExec, cred()));
  return loc.path;
}

}  // namespace lx
