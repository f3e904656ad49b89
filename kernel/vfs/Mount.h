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
  std::string source;        // "hostfs:/dir", "tmpfs", "bind:/guest/dir" (for /proc/mounts later)
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

 private:
  mutable std::shared_mutex mu_;  // add() vs lookups; mounts themselves never change
  std::unique_ptr<Mount> root_;
  std::multimap<std::string, std::unique_ptr<Mount>> by_path_;
};

// Canonical-path helpers shared by the walk and the mount table.
std::string path_child(const std::string& dir, std::string_view name);
std::string path_parent(const std::string& path);
// `path` relative to `ancestor` ("" when equal); both canonical.
std::string path_below(const std::string& ancestor, const std::string& path);

}  // namespace lx
