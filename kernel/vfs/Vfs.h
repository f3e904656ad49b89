// The guest's view of the file tree: a mount namespace of filesystems
// (hostfs, tmpfs, bind mounts) and the operations on guest paths. Every
// path is walked by the kernel (PathWalk.h) from the instance root, so `..`
// and absolute symlinks stay inside it and no guest path can name a host
// file outside a hostfs mount's directory.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/vfs/FsNotify.h"
#include "kernel/vfs/Inode.h"
#include "kernel/vfs/Mount.h"
#include "kernel/vfs/OpenFile.h"
#include "kernel/vfs/PathWalk.h"
#include "kernel/vfs/Tmpfs.h"

namespace lx {

class FifoRegistry;
class DeviceRegistry;
class DirCache;

class Vfs {
 public:
  // host_root: host directory that becomes the guest's "/" (a hostfs mount).
  static Result<std::unique_ptr<Vfs>> create(const std::string& host_root, bool read_only);
  ~Vfs();

  // ---- Mounts (set up before the guest runs). guest_path must name an
  // existing directory (ENOENT / ENOTDIR otherwise); it is resolved first,
  // so a symlink mountpoint mounts on its target.
  // A host directory, read-only or read-write.
  Result<void> mount_host(const std::string& host_dir, const std::string& guest_path, bool read_only);
  Result<void> mount_tmpfs(const std::string& guest_path, const TmpfsOptions& opts = {}, bool read_only = false);
  // The tree at source_path (a guest path) seen again at guest_path.
  Result<void> bind(const std::string& source_path, const std::string& guest_path, bool read_only);
  // Any filesystem given by its root inode (procfs, devpts, lxfs, ...);
  // `source` names it in the mount table ("proc", "devpts", "lxfs:/dir").
  Result<void> mount_filesystem(const std::string& guest_path, InodeRef root, bool read_only, std::string source);
  const MountNamespace& mounts() const { return *ns_; }

  // ---- mount(2) / umount2(2) (VfsMount.cpp), for guest root. The target
  // is found first (find()), as Linux looks it up before anything else.
  struct MountFlags {
    bool read_only = false, nosuid = false, nodev = false, noexec = false;
  };
  // A guest path's (mount, inode, canonical path); follow: a final symlink.
  Result<PathLoc> find(const std::string& base, const std::string& path, bool follow) const;
  // A new filesystem (its root inode) at `at`: ENOTDIR when exactly one of
  // the two is a directory. `desc` gives source/fstype/device/fs_options.
  Result<void> mount_new(const PathLoc& at, InodeRef root, const MountFlags& f, Mount desc);
  // MS_BIND: the tree at `src` seen again at `at` with src's mount flags;
  // recursive (MS_REC): with the mounts below it.
  Result<void> mount_bind(const PathLoc& src, const PathLoc& at, bool recursive);
  // MS_REMOUNT: new per-mount flags for the mount whose root `at` is
  // (EINVAL otherwise; EPERM to make a locked read-only mount writable).
  Result<void> remount(const PathLoc& at, const MountFlags& f);
  // MS_MOVE: the mount rooted at `src` (and those below it) now at `at`.
  Result<void> move_mount(const PathLoc& src, const PathLoc& at);
  // Whether `at` is the root of a mount other than the instance root.
  static bool is_mount_root(const PathLoc& at) { return at.mnt && at.path == at.mnt->path; }
  // umount2: `busy(path)` says whether something (an open file, a cwd)
  // holds a path at or below the mount; without detach that is EBUSY, as
  // are mounts below it.
  Result<void> umount(const PathLoc& at, bool detach, const std::function<bool(const std::string&)>& busy);
  // The character devices that S_IFCHR inodes on any filesystem open.
  DeviceRegistry& devices() { return *devices_; }

  // Who is asking: the calling guest task's filesystem credentials
  // (current_task()), or, on threads serving no task (instance set-up), the
  // default set here. Owner of new tmpfs/lxfs files, checked by their modes.
  void set_credentials(Credentials cred) { default_cred_ = std::move(cred); }
  Credentials cred() const;

  // `base` is the absolute guest path of the directory that relative paths
  // start from (the cwd or a dirfd's path). flags/mode are the guest's open(2)
  // flags and mode.
  // resolve: openat2's RESOLVE_* flags (PathWalk.h); with RESOLVE_BENEATH or
  // RESOLVE_IN_ROOT, `base` is the directory the walk may not leave.
  // EINVAL for unknown resolve bits; RESOLVE_CACHED is EAGAIN (no cache).
  Result<OpenFileRef> open(const std::string& base, const std::string& path, int flags, unsigned mode,
                           unsigned resolve = 0);
  // follow=false: do not follow a final symlink (lstat / AT_SYMLINK_NOFOLLOW).
  Result<abi::Stat> stat(const std::string& base, const std::string& path, bool follow);
  // statx's btime (ENODATA where the host keeps none).
  Result<abi::Timespec> birth_time(const std::string& base, const std::string& path, bool follow);
  Result<std::string> readlink(const std::string& base, const std::string& path);
  // access(2)/faccessat(2): mode is F_OK or a mask of R_OK|W_OK|X_OK.
  Result<void> access(const std::string& base, const std::string& path, int mode, bool follow);
  // Canonical absolute guest path of a directory (for chdir); ENOTDIR if not one.
  Result<std::string> resolve_directory(const std::string& base, const std::string& path);

  // ---- Namespace-changing and metadata operations (issue 3). All take the
  // same (base, path) pair as open(); errors are Linux's, in Linux's order.
  Result<void> mkdir(const std::string& base, const std::string& path, unsigned mode);
  // mknod(2): S_IFREG, S_IFIFO, S_IFSOCK nodes, and S_IFCHR/S_IFBLK ones
  // (st_rdev = dev) for a caller with guest euid 0 (EPERM otherwise).
  Result<void> mknod(const std::string& base, const std::string& path, unsigned mode, uint64_t dev);
  Result<void> unlink(const std::string& base, const std::string& path);
  Result<void> rmdir(const std::string& base, const std::string& path);
  // flags: RENAME_NOREPLACE / RENAME_EXCHANGE / RENAME_WHITEOUT (EINVAL).
  Result<void> rename(const std::string& old_base, const std::string& old_path, const std::string& new_base,
                      const std::string& new_path, unsigned flags);
  Result<void> link(const std::string& old_base, const std::string& old_path, const std::string& new_base,
                    const std::string& new_path, bool follow);
  Result<void> symlink(const std::string& target, const std::string& base, const std::string& path);
  Result<void> chmod(const std::string& base, const std::string& path, unsigned mode, bool follow);
  Result<void> chown(const std::string& base, const std::string& path, uint32_t uid, uint32_t gid, bool follow);
  // times[0] = atime, times[1] = mtime; tv_nsec may be UTIME_NOW / UTIME_OMIT.
  Result<void> utimens(const std::string& base, const std::string& path, const abi::Timespec times[2],
                       bool follow);
  Result<void> truncate(const std::string& base, const std::string& path, int64_t length);
  Result<abi::StatFs> statfs(const std::string& base, const std::string& path);
  // Extended attributes; size 0 asks for the needed size.
  Result<uint64_t> getxattr(const std::string& base, const std::string& path, const std::string& name,
                            std::span<uint8_t> value, bool follow);
  Result<void> setxattr(const std::string& base, const std::string& path, const std::string& name,
                        std::span<const uint8_t> value, int flags, bool follow);
  Result<uint64_t> listxattr(const std::string& base, const std::string& path, std::span<uint8_t> list,
                             bool follow);
  Result<void> removexattr(const std::string& base, const std::string& path, const std::string& name,
                           bool follow);

  // The change-notification hub every operation here reports to (inotify).
  FsNotify& notify() { return *notify_; }
  const std::shared_ptr<FsNotify>& notify_hub() const { return notify_; }
  // inotify_add_watch's lookup: the inode's identity. Needs read permission
  // on it (EACCES); only_dir: ENOTDIR unless it is a directory.
  Result<InodeKey> watch_target(const std::string& base, const std::string& path, bool follow, bool only_dir);
  // The identity watches are keyed by; invalid if the inode cannot be stat'ed.
  static InodeKey key_of(Inode& inode);

  // Called at the start of every guest syscall: what the directory cache
  // notes about a name holds only across consecutive calls (DirCache.h).
  void begin_syscall();

  // Whether the root mount is read-only.
  bool read_only() const { return ns_->root().read_only; }

 private:
  explicit Vfs(std::unique_ptr<MountNamespace> ns);
  PathLoc root_loc() const;
  // A walker over join(base, path) from the instance root; with BENEATH /
  // IN_ROOT the base is resolved first and becomes the walk's root.
  Result<PathWalker> walker(const std::string& base, const std::string& path, unsigned resolve = 0) const;
  Result<PathLoc> lookup(const std::string& base, const std::string& path, bool follow) const;
  // lookup() without the directory cache, for mount(2) and the instance's mounts.
  Result<PathLoc> lookup_uncached(const std::string& base, const std::string& path, bool follow) const;
  Result<PathLoc> lookup_dir(const std::string& path) const;
  // After walk_parent(): whether the final component is a plain entry of
  // the directory reached (see stat()).
  bool final_is_plain_entry(const PathWalker& w) const;
  Result<OpenFileRef> open_existing(const PathLoc& loc, int flags);
  Result<OpenFileRef> open_existing_file(const PathLoc& loc, int flags);
  // *same is set when the result is an existing description reached
  // through a magic link: the caller must not rename it or change its flags.
  Result<OpenFileRef> open_creating(PathWalker& w, int flags, unsigned mode, bool* same, bool* created);
  // The tail of a successful O_CREAT: guest path, IN_CREATE, mount flags.
  OpenFileRef created_file(OpenFileRef f, const PathLoc& dir, const std::string& name, bool* created);
  // Read-only opens of a plain final name, through Inode::open_child; null
  // when the normal walk must decide (w then stands at the final name's parent).
  Result<OpenFileRef> open_plain_child(PathWalker& w, int flags, unsigned resolve);
  // The parent of a name to create: ENOENT/EEXIST/EROFS in Linux's order.
  Result<void> check_create(PathWalker& w, bool allow_trailing_slash) const;
  // mkdir/mknod/symlink of a plain name on a writable mount, searchable
  // directory: made at once (`make`), the filesystem saying EEXIST itself,
  // which saves the lookup of a name that is free in the common case (tar).
  // True when made; false (any other failure) sends the caller the
  // check_create way, which orders the errors as Linux does.
  Result<bool> make_first(PathWalker& w, const std::function<Result<void>(Inode& dir, const std::string& name)>& make);

  // Cached directories may now map to the wrong place (rename, rmdir,
  // chmod, mounts): forget them, then pass the operation's result on.
  Result<void> dirs_changed(Result<void> r);

  // ---- change notification (VfsNotify.cpp); callers check notify_->active().
  // The directory holding the canonical path's last name, and that name.
  InodeKey parent_key(const std::string& path, std::string* name) const;
  // A change to the inode at loc, told to it and to its directory's watches.
  void notify_inode(const PathLoc& loc, uint32_t mask);
  // A rename done: IN_MOVED_FROM/IN_MOVED_TO with one cookie, IN_MOVE_SELF,
  // and for a replaced target IN_ATTRIB then its deletion (fsnotify_move).
  void notify_renamed(InodeKey old_dir, const std::string& old_name, InodeKey new_dir, const std::string& new_name,
                      InodeKey src, bool src_is_dir, const Result<abi::Stat>& dst, unsigned flags);
  // A newly opened description: IN_OPEN now, IN_CLOSE_* at its end.
  void notify_open(OpenFile& f, int flags, bool created);

  std::unique_ptr<MountNamespace> ns_;
  std::unique_ptr<FifoRegistry> fifos_;  // the pipes of open FIFOs
  std::unique_ptr<DeviceRegistry> devices_;
  std::unique_ptr<DirCache> dcache_;
  Credentials default_cred_;
  std::shared_ptr<FsNotify> notify_;
};

// Lexical join of a guest base directory and a path ("" base means "/").
std::string join_guest_path(const std::string& base, const std::string& path);

}  // namespace lx
