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

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/vfs/HostWatch.h"
#include "kernel/vfs/PathWalk.h"
#include "kernel/vfs/XattrAbsence.h"

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

  // Notes about one name: what the calls just before this one learned about
  // entry `name` of the cached directory `dir` (name "" stands for `dir`
  // itself, reached as `dir/.` or `x/..`). `ls -l` asks three or four
  // questions about each name in a row: statx notes its type and st_dev,
  // lgetxattr lists its xattrs once, then (l)getxattr of a name not listed
  // is answered without the host (XattrAbsence.h), and getxattr, which must
  // not follow a symlink on the host, knows whether it is one.
  //
  // Coherence: a note holds only across consecutive guest syscalls
  // (begin_call() starts each one; the note made or used by the previous
  // call is kept, anything older is dropped), so no change made through lx
  // (any syscall, any mount, any file) can come between a note and its use.
  // Host-side changes are the directory watch's: an entry's type changes by
  // removal or rename onto it, its xattrs with IN_ATTRIB (reported for
  // entries of a watched directory), and any event drops the cache and the
  // note with it; a host change racing the calls is seen as if it came
  // just after them.
  struct NameFacts {
    unsigned type = 0;  // S_IFMT bits; 0: not known
    uint64_t dev = 0;   // the host st_dev, with type
    bool listed = false;
    std::string xattrs;  // listxattr's names (NUL-terminated), when listed
  };
  void begin_call() { serial_.fetch_add(1, std::memory_order_relaxed); }
  NameFacts facts(const PathLoc& dir, std::string_view name);
  // A successful stat of the name: starts a new note.
  void note_stat(const PathLoc& dir, std::string_view name, unsigned type, uint64_t dev);
  // listxattr's answer for the name of the current note.
  void note_xattrs(const PathLoc& dir, std::string_view name, std::string_view list);
  // Learned answers for xattrs missing from a list (XattrAbsence.h),
  // under this cache's lock; they are dropped with the cache.
  std::optional<bool> xattr_fs_exact(uint64_t dev);
  void judge_xattr_fs(uint64_t dev, bool exact);
  std::optional<int> absent_xattr(uint64_t dev, unsigned type, std::string_view xname);
  void learn_absent_xattr(uint64_t dev, unsigned type, std::string_view xname, int error);
  void distrust_xattr_fs(uint64_t dev);

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
  // The current note: entry note_name_ (or "" for the directory) of the cached
  // directory at note_dir_, made or last used by syscall note_serial_.
  bool note_valid(const PathLoc& dir, std::string_view name);
  void drop_notes();
  std::string note_dir_, note_name_;
  NameFacts note_;
  uint64_t note_serial_ = 0;
  std::atomic<uint64_t> serial_{0};
  XattrAbsence absence_;
  uint64_t gen_ = 0;
  std::unique_ptr<HostWatch> watch_;  // started with the first insert
};

}  // namespace lx
