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
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/vfs/HostWatch.h"
#include "kernel/vfs/PathWalk.h"

namespace lx {

class DirCache {
 public:
  // Whether `dir` (a place the walk is at) may have cached children.
  bool may_cache_below(const PathLoc& dir);
  // The cached directory at a canonical guest path.
  std::optional<PathLoc> find(const std::string& path);
  // The deepest cached directory below `start` along the first `count`
  // names taken from the back of `pending` (a walker's stack, all plain
  // names); *used says how many it consumed. One lock and one copy for the
  // whole run, not one per component.
  std::optional<PathLoc> find_run(const std::string& start, const std::vector<std::string>& pending, size_t count,
                                  size_t* used);
  // Caches `child` (a directory just looked up in `parent`) when the rules
  // above allow it; a failure only means it is not cached.
  void insert(const PathLoc& parent, const PathLoc& child);
  // Forgets everything (the guest renamed, removed or chmod'ed something).
  void invalidate();

  // The file type (S_IFMT bits) of entry `name` of the cached directory
  // `dir`, as the last stat of a name noted it; 0 when not known. One entry
  // only: `ls -l` stats a name, then asks getxattr (which must not follow a
  // symlink on the host) about the same name. An entry's type changes only
  // by removal or rename onto it, which the directory's watch reports, so
  // the note is dropped with the cache.
  unsigned child_type(const PathLoc& dir, std::string_view name);
  void note_child_type(const PathLoc& dir, std::string_view name, unsigned type);

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
  // note_child_type()'s entry: a name in the cached directory at child_dir_.
  std::string child_dir_, child_name_;
  unsigned child_type_ = 0;
  uint64_t gen_ = 0;
  std::unique_ptr<HostWatch> watch_;  // started with the first insert
};

}  // namespace lx
