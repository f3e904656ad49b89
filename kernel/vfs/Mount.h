// The mount table of an instance (one mount namespace). A mount attaches the
// tree below `root` (an inode of some filesystem) at a canonical guest path.
// Mounts are keyed by that path: the walk knows the canonical path of every
// directory it reaches, so crossing into a mount is one map lookup, and the
// hostfs fast path can tell which runs of components cross no mountpoint.
// Because of that keying, a mountpoint and its ancestors cannot be renamed
// or removed (EBUSY), where Linux would let a mount move with its parent.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "kernel/base/Result.h"
#include "kernel/vfs/Inode.h"

namespace lx {

struct Mount {
  std::string path;          // canonical guest path of the mountpoint ("/" for the root mount)
  InodeRef root;             // the mounted tree
  InodeRef mountpoint;       // the directory covered, in `parent` (null for the root mount)
  const Mount* parent = nullptr;
  bool read_only = false;
  // mount(2)'s per-mount flags (MS_NOSUID / MS_NODEV / MS_NOEXEC).
  bool nosuid = false, nodev = false, noexec = false;
  // MNT_LOCK_READONLY: the instance made this mount read-only (a host
  // directory it may not write); no remount makes it writable (EPERM).
  bool lock_read_only = false;
  std::string source;        // "hostfs:/dir", "tmpfs", "bind:/guest/dir" (for /proc/mounts later)
  // As /proc/self/mountinfo shows them; empty: derived from `source`.
  std::string fstype, device, fs_options;
  std::string fs_root = "/";  // the directory of its filesystem mounted here (binds)
  int id = 0;                 // mountinfo's mount ID, never reused
};

class MountNamespace {
 public:
  explicit MountNamespace(Mount root);

  const Mount& root() const { return *root_; }
  // The top-most mount at a canonical guest path, or null.
  const Mount* mount_at(const std::string& path) const;
  // Whether a mount sits at `path` or anywhere below it (rename/rmdir: EBUSY).
  bool has_mount_at_or_below(const std::string& path) const;
  // Adds a mount at a canonical path whose directory is `mountpoint` in `parent`.
  // Mounts stack: a later one at the same path hides the earlier.
  const Mount& add(Mount m);
  std::vector<const Mount*> mounts() const;
  // The visible mounts whose parent is `m` (umount: EBUSY; MS_REC binds).
  std::vector<const Mount*> children(const Mount* m) const;
  // umount: takes `m` and every mount below it out of the table. The
  // objects stay allocated until the namespace dies, so a `const Mount*`
  // some caller still holds never dangles.
  void remove_tree(const Mount* m);
  // MS_MOVE: `m` and the mounts below it re-keyed under `path`, `m` now
  // covering `mountpoint` in `parent`.
  void move_tree(const Mount* m, const std::string& path, const Mount* parent, InodeRef mountpoint);
  // mount -o remount: the per-mount flags of a mount in this table.
  void set_flags(const Mount* m, bool read_only, bool nosuid, bool nodev, bool noexec);

 private:
  mutable std::shared_mutex mu_;  // add()/remove vs lookups
  std::unique_ptr<Mount> root_;
  std::multimap<std::string, std::unique_ptr<Mount>> by_path_;
  std::vector<std::unique_ptr<Mount>> detached_;  // unmounted; see remove_tree
  int next_id_ = 22;                              // the root mount is 21
};

// Canonical-path helpers shared by the walk and the mount table.
std::string path_child(const std::string& dir, std::string_view name);
std::string path_parent(const std::string& path);
// `path` relative to `ancestor` ("" when equal); both canonical.
std::string path_below(const std::string& ancestor, const std::string& path);

}  // namespace lx
