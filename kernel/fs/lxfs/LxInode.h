// lxfs inodes: a hostfs inode (the host file, reached only by *at() calls
// on O_PATH fds, as hostfs does) plus the guest's metadata from our xattr.
// Names, data, links, renames and times are the host file's; owner, group,
// mode, type and rdev are ours; permission checks are the VFS's DAC rules
// (vfs/Permission.h) against the caller's credentials.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kernel/fs/lxfs/LxDirCache.h"
#include "kernel/fs/lxfs/LxMeta.h"
#include "kernel/vfs/HostFd.h"
#include "kernel/vfs/Inode.h"

namespace lx::lxfs {

// One per lxfs instance.
struct Super {
  HostFd root_fd;     // the host directory (O_PATH)
  HostFd staging_fd;  // <root>/.lxcore: new entries are built here, then renamed into place
  uint32_t host_uid = 0, host_gid = 0;  // the provider's: such files appear as root's
  unsigned host_umask = 0777;  // the provider's (0777 when unknown: nothing is made directly)
  long pid = 0;                // names staging entries (read once: no getpid per create)
  LxDirCache cache;   // looked-up directories; generations of cached metadata
};

inline constexpr char kStagingName[] = ".lxcore";

class LxInode final : public Inode, public std::enable_shared_from_this<LxInode> {
 public:
  LxInode(std::shared_ptr<Super> sb, InodeRef host, bool is_root, unsigned type, std::optional<Meta> fresh)
      : sb_(std::move(sb)), host_(std::move(host)), is_root_(is_root), type_(type), fresh_(fresh),
        has_fresh_(true) {}
  ~LxInode() override;
  LxInode(const LxInode&) = delete;
  LxInode& operator=(const LxInode&) = delete;

  // Wraps a hostfs inode, reading its metadata (its guest type); `name` in
  // host directory `dirfd` when known (one getxattrat, no /proc walk).
  static Result<std::shared_ptr<LxInode>> wrap(std::shared_ptr<Super> sb, InodeRef host, bool is_root = false,
                                               int dirfd = -1, const char* name = nullptr);

  int fd() const;
  bool is_root() const { return is_root_; }
  Inode& host() { return *host_; }
  const std::shared_ptr<Super>& super() const { return sb_; }
  // The guest metadata now: our xattr, or the host's attributes (a cached
  // copy while LxDirCache's generation and time-to-live say it is good).
  Result<Meta> meta();
  // The mount's root inode: its death empties the directory cache (whose
  // inodes hold the Super).
  void set_owns_cache() { owns_cache_ = true; }
  // Remembers `m` as this inode's metadata (just written or read);
  // in_host: the file has no xattr, m is the host's own attributes.
  void remember(const Meta& m, bool in_host = false);
  // The mount's root: its fd is an open one, and whether its host directory is setgid.
  void set_root_host(const abi::Stat& host_st);
  // Host stat with the guest metadata laid over it.
  Result<abi::Stat> guest_stat();
  // chmod/chown: rewrites our xattr in one setxattr (a host symlink is first
  // turned into a link file, see README.md).
  Result<void> set_meta(const Meta& m);

  unsigned type() const override { return type_; }
  bool same_file(const Inode& other) const override;
  const void* fs_id() const override { return sb_.get(); }
  Result<abi::Stat> stat() override { return guest_stat(); }
  // The metadata copy while it is good (no host fstat for chmod/chown/utimens checks).
  Result<abi::Stat> owner_stat() override;
  Result<void> permission(int mask, const Credentials& cred) override;

  Result<InodeRef> lookup(std::string_view name, const Credentials& cred) override;
  Result<InodeRef> parent(Inode& mount_root, std::string_view parent_rel) override;
  Result<OpenFileRef> create(std::string_view name, unsigned mode, int flags, const Credentials& cred) override;
  Result<void> mkdir(std::string_view name, unsigned mode, const Credentials& cred) override;
  Result<void> mknod(std::string_view name, unsigned mode, const Credentials& cred) override;
  Result<void> mknod_device(std::string_view name, unsigned mode, uint64_t rdev, const Credentials& cred) override;
  Result<void> symlink(std::string_view name, const std::string& target, const Credentials& cred) override;
  Result<void> link(std::string_view name, Inode& old_dir, std::string_view old_name, Inode& target) override;
  Result<void> unlink(std::string_view name) override;
  Result<void> rmdir(std::string_view name) override;
  Result<void> rename(std::string_view old_name, Inode& new_dir, std::string_view new_name, unsigned flags) override;
  // stat(2) of an entry: one host fstatat and one getxattrat, no lookup.
  Result<abi::Stat> stat_child(std::string_view name) override;
  // statx's btime of an entry: one host statx (the host file's own).
  Result<abi::Timespec> birth_time_child(std::string_view name) override;

  Result<std::string> readlink() override;
  Result<OpenFileRef> open(int flags) override;
  Result<void> setattr(const SetAttr& attr) override;
  // setattr() for a caller that has just read the guest attributes (fchown, fchmod).
  Result<void> setattr_from(const abi::Stat* current, const SetAttr& attr);
  Result<abi::StatFs> statfs() override { return host_->statfs(); }
  Result<uint64_t> getxattr(const std::string& name, std::span<uint8_t> value) override;
  Result<void> setxattr(const std::string& name, std::span<const uint8_t> value, int flags) override;
  Result<uint64_t> listxattr(std::span<uint8_t> list) override;
  Result<void> removexattr(const std::string& name) override;

 private:
  // A name the guest may not see or make: the staging directory at the root.
  bool reserved(std::string_view name) const { return is_root_ && name == kStagingName; }
  // Builds a new entry `name` here: make() creates it in the staging
  // directory under a fresh name and returns an fd to it (O_PATH or open),
  // which gets its metadata; then it is renamed into place (EEXIST if taken).
  // rename_flags: RENAME_NOREPLACE for new names, 0 to replace (chown of a host symlink).
  Result<HostFd> create_entry(int dirfd, std::string_view name, const Meta& m, unsigned rename_flags,
                              const std::function<Result<HostFd>(int staging, const char* tmp)>& make);
  Result<Meta> new_meta(unsigned mode, uint64_t rdev, const Credentials& cred);
  // Whether a new entry with metadata m can be made in place by one host
  // call (openat/mkdirat with the permission bits), no xattr: the host's own
  // attributes then say exactly m (README.md, "Metadata in the host's mode").
  bool host_creates(const Meta& m) const;
  // chmod of a file without xattr, by the host's mode (README.md).
  Result<void> host_chmod(unsigned perm);
  // A non-directory just made here (staged: f is its open host fd, m its
  // xattr) goes into the directory cache for the calls that follow.
  void cache_new_file(std::string_view name, HostFd f, const Meta& m);

  std::shared_ptr<Super> sb_;
  InodeRef host_;
  bool is_root_;
  unsigned type_;
  std::optional<Meta> cached_meta() const;

  std::optional<Meta> fresh_;  // the lookup's metadata read, good for one stat()
  bool has_fresh_ = false;
  // meta()'s copy: good while the cache's generation for our kind is
  // cache_gen_ and until cache_expiry_ns_.
  std::optional<Meta> cache_;
  uint64_t cache_gen_ = 0;
  int64_t cache_expiry_ns_ = 0;
  bool meta_in_host_ = false;  // with cache_: the file has no xattr (cache_ is the host's attributes)
  bool host_dir_plain_ = false;  // a directory known not setgid on the host: new entries get our group
  bool path_fd_ = true;  // the host fd may be O_PATH: xattr calls go through /proc directly
  bool owns_cache_ = false;
  // Where the lookup found it (host parent, name): lets chown turn a host
  // symlink into a link file in place.
  InodeRef parent_host_;
  std::string name_;
};

// A stat carrying just the metadata: what the permission rules look at.
abi::Stat meta_stat(const Meta& m);

// Whether `host` is a host symlink (stored without metadata).
bool is_host_symlink(const abi::Stat& host_st);

// The caller's credentials for fd-based operations (root when no task).
Credentials caller_credentials();

// An open lxfs file: the host file's I/O, our metadata (LxFile.cpp).
OpenFileRef make_lx_file(std::shared_ptr<LxInode> inode, OpenFileRef host_file);

}  // namespace lx::lxfs
