// Path resolution done by the kernel, component by component, as Linux's
// namei does: symlinks (ELOOP after 40), `..` clamped at the walk's root and
// crossing mount boundaries, trailing slashes, mount crossing, and the
// openat2 RESOLVE_* restrictions. Filesystems only ever see single names (or,
// for hostfs, runs of plain names that cross no mountpoint; see lookup_run).
//
// The walk keeps the canonical guest path of where it is: mounts are keyed
// by it, `..` uses it, and chdir/getcwd report it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"
#include "kernel/vfs/Mount.h"

namespace lx {

class DirCache;

// openat2(2) resolve flags (Linux values).
constexpr unsigned kResolveNoXdev = 0x01;
constexpr unsigned kResolveNoMagiclinks = 0x02;
constexpr unsigned kResolveNoSymlinks = 0x04;
constexpr unsigned kResolveBeneath = 0x08;
constexpr unsigned kResolveInRoot = 0x10;
constexpr unsigned kResolveCached = 0x20;
constexpr unsigned kResolveAll = 0x3f;

constexpr int kMaxSymlinks = 40;  // MAXSYMLINKS
constexpr size_t kNameMax = 255;

// A place in the guest tree: which mount, which inode, its canonical path.
struct PathLoc {
  const Mount* mnt = nullptr;
  InodeRef inode;
  std::string path;
};

class PathWalker {
 public:
  enum class Last { Normal, Dot, DotDot, Root };

  // root: where absolute paths, absolute symlinks and `..` stop (the
  // instance root, or the dirfd for RESOLVE_IN_ROOT / RESOLVE_BENEATH);
  // start: where a relative path begins.
  PathWalker(const MountNamespace& ns, PathLoc root, PathLoc start, std::string_view path, unsigned resolve,
             Credentials cred);

  // Walks everything but the final component; then dir() is its parent.
  Result<void> walk_parent();
  // After walk_parent(): the final component, looked up (not followed).
  // Root/Dot give dir() itself, DotDot its parent.
  Result<PathLoc> lookup_last();
  // After lookup_last() returned a symlink the caller wants followed:
  // queues its target; call walk_parent() again.
  Result<void> follow(const PathLoc& link);
  // The whole path; a final symlink is followed when `follow` or when the
  // path ends in '/'. ENOTDIR if a trailing slash names a non-directory.
  Result<PathLoc> resolve(bool follow);

  // Directories found along the way come from / go to this cache (none by default).
  void set_cache(DirCache* cache) { cache_ = cache; }

  const PathLoc& dir() const { return cur_; }
  const std::string& last() const { return last_; }
  Last last_kind() const { return last_kind_; }
  bool trailing_slash() const { return trailing_; }
  const Credentials& cred() const { return cred_; }

 private:
  // Pushes a path's components so the next one is at the back.
  Result<void> push_path(std::string_view path);
  Result<void> step(const std::string& name, bool is_final, bool follow_final);
  Result<void> dotdot();
  // A run of >= 2 plain names starting at the back, looked up in one go.
  // true when it consumed components.
  Result<bool> try_fast_run(bool include_final, bool follow_final);
  // The longest run of plain names starting at the back that the directory
  // cache knows; true when it consumed components.
  bool try_cached_run(bool include_final);
  // One walk step: the cache, else a host run lookup, else a single name.
  Result<void> advance(bool include_final, bool follow_final);
  Result<void> enter(PathLoc child);
  Result<PathLoc> cross_mounts(PathLoc loc);
  Result<void> queue_symlink(const PathLoc& link);
  Result<void> queue_target(const std::string& target);

  const MountNamespace& ns_;
  DirCache* cache_ = nullptr;
  PathLoc root_;
  PathLoc cur_;
  unsigned resolve_;
  Credentials cred_;
  std::vector<std::string> pending_;  // back() is the next component
  bool trailing_ = false;
  int links_ = 0;
  std::string last_;
  Last last_kind_ = Last::Root;
  Result<void> init_error_;
};

}  // namespace lx
