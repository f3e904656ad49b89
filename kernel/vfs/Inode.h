// The per-filesystem object behind a name: what Linux splits into inode and
// dentry operations. The VFS (path walk, mount table, Vfs facade) only talks
// to filesystems through this interface; hostfs and tmpfs implement it.
//
// Directory operations take one component: never empty, ".", ".." or
// containing '/'; the walk handles those. Permission and read-only-mount
// checks that Linux makes in the VFS (EROFS, EBUSY, EXDEV) are the caller's;
// the type checks that depend on the victim (EISDIR, ENOTDIR, ENOTEMPTY) are
// the filesystem's, made atomically with the change.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/vfs/GuestFlags.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Inode;
using InodeRef = std::shared_ptr<Inode>;

// Who is asking: the caller's filesystem identity (Linux's fsuid/fsgid,
// supplementary groups and the filesystem capabilities). New files are owned
// by them and tmpfs/lxfs check modes against them (vfs/Permission.h). Hostfs
// ignores it (the host user's rights apply).
struct Credentials {
  // Capability bits (Linux's numbers) that matter to filesystems.
  static constexpr uint64_t kCapChown = uint64_t{1} << 0;
  static constexpr uint64_t kCapDacOverride = uint64_t{1} << 1;
  static constexpr uint64_t kCapDacReadSearch = uint64_t{1} << 2;
  static constexpr uint64_t kCapFowner = uint64_t{1} << 3;
  static constexpr uint64_t kCapFsetid = uint64_t{1} << 4;
  static constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;
  static constexpr uint64_t kCapMknod = uint64_t{1} << 27;
  static constexpr uint64_t kFsCaps =
      kCapChown | kCapDacOverride | kCapDacReadSearch | kCapFowner | kCapFsetid | kCapMknod;
  // caps == kCapsOfUid: "root has them all, others none" (credentials built
  // from a bare uid, as the instance set-up and unit tests do).
  static constexpr uint64_t kCapsOfUid = ~uint64_t{0};

  uint32_t uid = 0;  // fsuid
  uint32_t gid = 0;  // fsgid
  std::vector<uint32_t> groups;  // supplementary groups
  uint64_t caps = kCapsOfUid;    // effective capabilities

  bool capable(uint64_t cap) const { return caps == kCapsOfUid ? uid == 0 : (caps & cap) != 0; }
  bool in_group(uint32_t g) const {
    if (g == gid) return true;
    for (uint32_t x : groups)
      if (x == g) return true;
    return false;
  }
};

// access-mask bits (MAY_EXEC / MAY_WRITE / MAY_READ), equal to X_OK/W_OK/R_OK.
constexpr int kMayExec = 1;
constexpr int kMayWrite = 2;
constexpr int kMayRead = 4;

// UTIME_NOW / UTIME_OMIT in tv_nsec.
constexpr int64_t kUtimeNow = (1L << 30) - 1;
constexpr int64_t kUtimeOmit = (1L << 30) - 2;

// RENAME_* flags of renameat2(2).
constexpr unsigned kRenameNoreplace = 1;
constexpr unsigned kRenameExchange = 2;
constexpr unsigned kRenameWhiteout = 4;

// setxattr(2) flags.
constexpr int kXattrCreate = 1;
constexpr int kXattrReplace = 2;

// One metadata change (chmod / chown / utimens / truncate). Unset fields are
// left alone; uid/gid of UINT32_MAX mean "unchanged" as in chown(2).
struct SetAttr {
  std::optional<unsigned> mode;  // permission bits only
  std::optional<uint32_t> uid, gid;
  std::optional<abi::Timespec> atime, mtime;  // tv_nsec may be kUtimeNow (never kUtimeOmit)
  std::optional<int64_t> size;
};

class Inode {
 public:
  virtual ~Inode() = default;

  // S_IFMT bits; fixed for an inode's life.
  virtual unsigned type() const = 0;
  bool is_dir() const { return type() == abi::kSIfdir; }
  bool is_symlink() const { return type() == abi::kSIflnk; }
  // True when the two objects name the same file (hostfs makes one object per lookup).
  virtual bool same_file(const Inode& other) const = 0;
  // Whether the inode lives on the same filesystem instance (rename/link: EXDEV otherwise).
  virtual const void* fs_id() const = 0;

  virtual Result<abi::Stat> stat() = 0;
  // What the VFS's owner rules (chmod, chown, utimens) look at: st_uid,
  // st_gid and st_mode, the other fields unspecified. A filesystem with
  // its own owners may answer from its metadata cache (lxfs: no host call).
  virtual Result<abi::Stat> owner_stat() { return stat(); }
  // access(2) semantics for this inode (the VFS adds EROFS first).
  virtual Result<void> permission(int mask, const Credentials& cred) = 0;

  // ---- directories
  virtual Result<InodeRef> lookup(std::string_view name, const Credentials& cred) {
    (void)name; (void)cred; return err(ENOTDIR);
  }
  // Several plain components at once, or nullopt-like ENOSYS when the
  // filesystem cannot (the walk then steps). Must not follow symlinks or
  // leave the directory; ELOOP/EXDEV/EAGAIN make the walk step instead.
  virtual Result<InodeRef> lookup_run(std::string_view rel_path) { (void)rel_path; return err(ENOSYS); }
  // stat / lgetxattr of the entry `name` here, symlinks not followed,
  // without making an inode for it: one host call where lookup() + stat()
  // take three. ENOSYS when the filesystem has no such shortcut.
  virtual Result<abi::Stat> stat_child(std::string_view name) { (void)name; return err(ENOSYS); }
  // statx's birth time of the entry `name` here, not followed, in one host
  // call (no inode, no open); ENOSYS when the filesystem has no shortcut.
  virtual Result<abi::Timespec> birth_time_child(std::string_view name) { (void)name; return err(ENOSYS); }
  virtual Result<uint64_t> getxattr_child(std::string_view name, const std::string& xname, std::span<uint8_t> value) {
    (void)name; (void)xname; (void)value; return err(ENOSYS);
  }
  // llistxattr of the entry `name` here in one host call; ENOSYS as above.
  virtual Result<uint64_t> listxattr_child(std::string_view name, std::span<uint8_t> list) {
    (void)name; (void)list; return err(ENOSYS);
  }
  // Opens the entry `name` here, a regular file or directory, for an
  // O_RDONLY open without creation flags, in one step where lookup() +
  // open() take several host calls. ENOSYS when this is not possible (no
  // shortcut, a symlink or another file type, or any error other than
  // ENOENT): the caller then walks and opens normally. Only for filesystems
  // whose host checks access (hostfs); the VFS makes no checks on this path.
  virtual Result<OpenFileRef> open_child(std::string_view name, int flags) {
    (void)name; (void)flags; return err(ENOSYS);
  }
  // `..`: mount_root anchors the walk (hostfs resolves parent_rel, the
  // parent's path below mount_root, inside it); tmpfs follows its parent link.
  virtual Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) {
    (void)mount_root; (void)parent_rel; return err(ENOTDIR);
  }
  // Creates a regular file and opens it with the guest's open flags; EEXIST if the name is taken.
  virtual Result<OpenFileRef> create(std::string_view name, unsigned mode, int flags, const Credentials& cred) {
    (void)name; (void)mode; (void)flags; (void)cred; return err(ENOTDIR);
  }
  // O_TMPFILE: an unnamed regular file in this directory.
  virtual Result<OpenFileRef> tmpfile(unsigned mode, int flags, const Credentials& cred) {
    (void)mode; (void)flags; (void)cred; return err(EOPNOTSUPP);
  }
  virtual Result<void> mkdir(std::string_view name, unsigned mode, const Credentials& cred) {
    (void)name; (void)mode; (void)cred; return err(ENOTDIR);
  }
  // mode carries the file type (S_IFREG, S_IFIFO, S_IFSOCK; devices are refused before).
  virtual Result<void> mknod(std::string_view name, unsigned mode, const Credentials& cred) {
    (void)name; (void)mode; (void)cred; return err(ENOTDIR);
  }
  // A device node (S_IFCHR / S_IFBLK in mode) whose stat() reports st_rdev
  // = rdev; the caller has checked the privilege. EPERM where the
  // filesystem cannot store device nodes.
  virtual Result<void> mknod_device(std::string_view name, unsigned mode, uint64_t rdev, const Credentials& cred) {
    (void)name; (void)mode; (void)rdev; (void)cred; return err(EPERM);
  }
  virtual Result<void> symlink(std::string_view name, const std::string& target, const Credentials& cred) {
    (void)name; (void)target; (void)cred; return err(ENOTDIR);
  }
  // New name `name` here for old_dir/old_name, whose inode is `target`.
  virtual Result<void> link(std::string_view name, Inode& old_dir, std::string_view old_name, Inode& target) {
    (void)name; (void)old_dir; (void)old_name; (void)target; return err(ENOTDIR);
  }
  virtual Result<void> unlink(std::string_view name) { (void)name; return err(ENOTDIR); }
  virtual Result<void> rmdir(std::string_view name) { (void)name; return err(ENOTDIR); }
  // `this` is the old parent; new_dir is on the same filesystem (checked by the caller).
  virtual Result<void> rename(std::string_view old_name, Inode& new_dir, std::string_view new_name, unsigned flags) {
    (void)old_name; (void)new_dir; (void)new_name; (void)flags; return err(ENOTDIR);
  }

  // ---- any inode
  virtual Result<std::string> readlink() { return err(EINVAL); }
  // procfs magic links (/proc/<pid>/{exe,cwd,root,fd/N}): RESOLVE_NO_MAGICLINKS
  // refuses them. Following one normally walks readlink()'s path; when the
  // file has no path (a pipe, socket or anonymous file) magic_target() is
  // an inode whose open() hands back that very description
  // (reopens_description()), which the VFS returns as is.
  virtual bool is_magic_link() const { return false; }
  virtual InodeRef magic_target() { return nullptr; }
  virtual bool reopens_description() const { return false; }
  // Opens for I/O with the guest's open flags (O_TRUNC applied here).
  virtual Result<OpenFileRef> open(int flags) = 0;
  virtual Result<void> setattr(const SetAttr& attr) = 0;
  virtual Result<abi::StatFs> statfs() = 0;
  virtual Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) = 0;
  virtual Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) = 0;
  virtual Result<uint64_t> listxattr(std::span<uint8_t> list) = 0;
  virtual Result<void> removexattr(const std::string& name) = 0;
};

}  // namespace lx
