// lxfs's dentry cache: (parent directory inode, name) -> directory inode, so
// that a walk through /w/t1 does not ask the host to look up and read the
// metadata of w and t1 again on every call (GNU tar opens each member by a
// path from the root), and the few most recently looked-up other files
// (tar sets a new symlink's owner and times and opens it, each by path). It
// also holds the generations that tell a cached metadata copy
// (LxInode::cached_meta) whether it is still good.
//
// Why no host watch (as the hostfs DirCache has): lxfs is written through
// this instance, which sees every rename, rmdir, unlink and chmod/chown it
// makes and invalidates on them. Changes made behind its back on the host are seen
// within kTtlNs: every entry and metadata copy expires after that.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lx::lxfs {

class LxInode;

// CLOCK_MONOTONIC_COARSE in ns (a vDSO read: no host syscall).
int64_t coarse_now_ns();

class LxDirCache {
 public:
  static constexpr int64_t kTtlNs = 1'000'000'000;

  std::shared_ptr<LxInode> find(const LxInode& parent, std::string_view name);
  // `child` was just looked up in `parent`: a directory, or (is_file) any
  // other type. Files are few (kMaxFiles, the most recent): tar's lchown,
  // utimensat and O_PATH open of a new symlink reuse one lookup.
  void insert(const std::shared_ptr<LxInode>& parent, std::string_view name, std::shared_ptr<LxInode> child,
              bool is_file = false);
  // `name` in `parent` was removed or replaced (unlink, rename).
  void forget(const LxInode& parent, std::string_view name);
  // A directory was renamed or removed: any cached path may be wrong now.
  void clear();

  // Bumped when a directory's metadata (chmod/chown) or place changes: every
  // cached directory metadata copy is then re-read.
  uint64_t dir_gen() const { return dir_gen_; }
  void dir_changed() {
    ++dir_gen_;
    clear();
  }
  void dir_meta_changed() { ++dir_gen_; }
  // The same for files: a chmod through one hard link stales the others' copies.
  uint64_t file_gen() const { return file_gen_; }
  void file_meta_changed() { ++file_gen_; }

 private:
  struct Entry {
    std::weak_ptr<LxInode> parent;  // weak: the mount's root must be able to die (and clear us)
    std::shared_ptr<LxInode> child;
    int64_t expiry_ns = 0;
    bool is_file = false;
  };
  static std::string key(const LxInode& parent, std::string_view name);
  static constexpr size_t kMaxEntries = 16384;
  // Each cached file holds a host fd (O_PATH) and, if the host deletes it
  // behind our back, its host inode: few, all dropped when the limit is hit.
  static constexpr size_t kMaxFiles = 64;
  void sweep_files(std::vector<Entry>& dropped);

  std::mutex mu_;  // the big lock makes it uncontended
  std::unordered_map<std::string, Entry> map_;
  size_t files_ = 0;  // entries with is_file
  uint64_t dir_gen_ = 0, file_gen_ = 0;
};

}  // namespace lx::lxfs
