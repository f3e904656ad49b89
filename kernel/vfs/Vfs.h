// The guest's view of the file tree. For now one filesystem: a host directory
// (hostfs) used as the instance root, read-only. Resolution happens inside
// that root: `..` at the root stays at the root and absolute symlinks resolve
// relative to it, so no guest path can name a host file outside the root.
#pragma once

#include <span>
#include <string>

#include "kernel/abi/Linux.h"
#include "kernel/base/Result.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class Vfs {
 public:
  // host_root: host directory that becomes the guest's "/".
  static Result<std::unique_ptr<Vfs>> create(const std::string& host_root, bool read_only);
  ~Vfs();

  // `base` is the absolute guest path of the directory that relative paths
  // start from (the cwd or a dirfd's path). flags/mode are the guest's open(2)
  // flags and mode.
  Result<OpenFileRef> open(const std::string& base, const std::string& path, int flags, unsigned mode);
  // follow=false: do not follow a final symlink (lstat / AT_SYMLINK_NOFOLLOW).
  Result<abi::Stat> stat(const std::string& base, const std::string& path, bool follow);
  Result<std::string> readlink(const std::string& base, const std::string& path);
  // access(2)/faccessat(2): mode is F_OK or a mask of R_OK|W_OK|X_OK.
  Result<void> access(const std::string& base, const std::string& path, int mode, bool follow);
  // Canonical absolute guest path of a directory (for chdir); ENOTDIR if not one.
  Result<std::string> resolve_directory(const std::string& base, const std::string& path);

  // ---- Namespace-changing and metadata operations (issue 3). All take the
  // same (base, path) pair as open(); errors are Linux's, in Linux's order.
  Result<void> mkdir(const std::string& base, const std::string& path, unsigned mode);
  // mknod(2): S_IFREG, S_IFIFO (and S_IFSOCK) nodes; devices are EPERM without lxfs.
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

  bool read_only() const { return read_only_; }
  int host_root_fd() const { return root_fd_; }

 private:
  Vfs(int root_fd, bool read_only) : root_fd_(root_fd), read_only_(read_only) {}
  int root_fd_;
  bool read_only_;
};

// Lexical join of a guest base directory and a path ("" base means "/").
std::string join_guest_path(const std::string& base, const std::string& path);

}  // namespace lx
