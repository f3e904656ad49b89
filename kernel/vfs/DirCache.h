// The kernel's dentry cache, for directories only: canonical guest path ->
// (mount, inode), so a walk through /usr/share/doc/x does not ask the host
// to look up usr, share and doc again on every call.
//
// Only hostfs directories on read-only mounts are cached, each together
// with a host inotify watch (HostWatch.h). A mapping goes stale only when a
// cached directory or one of its entries is renamed, removed or changes
// permissions; every such host event bumps a generation and the next lookup
// drops the whole cache. Namespace changes the guest makes through the Vfs
// drop it synchronously (invalidate()), since the watch thread sees host
// events a little later. A directory is cached only below a cached parent
// (or a mount root), so every ancestor of a cached directory is watched.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "kernel/vfs/HostWatch.h"
#include "kernel/vfs/PathWalk.h"

namespace lx {

class DirCache {
 public:
  // Whether `dir` (a place the walk is at) may have cached children.
  bool may_cache_below(const PathLoc& dir);
  // The cached directory at a canonical guest path.
  std::optional<PathLoc> find(const std::string& path);
  // Caches `child` (a directory just looked up in `parent`) when the rules
  // above allow it; a failure only means it is not cached.
  void insert(const PathLoc& parent, const PathLoc& child);
  // Forgets everything (the guest renamed, removed or chmod'ed something).
  void invalidate();

 private:
  struct Entry {
    PathLoc loc;
    int wd;
  };
  // Drops the cache if the host changed something since it was filled.
  void revalidate();
  bool cacheable(const PathLoc& loc) const;

  static constexpr size_t kMaxEntries = 16384;
  std::mutex mu_;  // the syscalls' big lock makes it uncontended; kept for the unit tests' threads
  std::unordered_map<std::string, Entry> map_;
  uint64_t gen_ = 0;
  std::unique_ptr<HostWatch> watch_;  // started with the first insert
};

}  // namespace lx
