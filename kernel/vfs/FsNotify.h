// File-system change notification (Linux's fsnotify): the hub the Vfs tells
// about every change to a name or an inode, whatever filesystem holds it,
// and that passes each event to the watches on that inode (inotify
// instances, ipc/Inotify.h).
//
// Inodes are named by their guest-visible identity (st_dev, st_ino), since
// hostfs makes a new Inode object per lookup: a watch added through one
// path sees changes made through any other path or bind mount.
//
// Everything here runs under the kernel's big lock. The Vfs only looks up
// identities when active() (some watch exists), so instances that never use
// inotify pay one branch per operation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace lx {

// inotify(7) event and flag bits.
namespace in {
constexpr uint32_t kAccess = 0x00000001;
constexpr uint32_t kModify = 0x00000002;
constexpr uint32_t kAttrib = 0x00000004;
constexpr uint32_t kCloseWrite = 0x00000008;
constexpr uint32_t kCloseNowrite = 0x00000010;
constexpr uint32_t kOpen = 0x00000020;
constexpr uint32_t kMovedFrom = 0x00000040;
constexpr uint32_t kMovedTo = 0x00000080;
constexpr uint32_t kCreate = 0x00000100;
constexpr uint32_t kDelete = 0x00000200;
constexpr uint32_t kDeleteSelf = 0x00000400;
constexpr uint32_t kMoveSelf = 0x00000800;
constexpr uint32_t kAllEvents = 0x00000fff;
constexpr uint32_t kUnmount = 0x00002000;
constexpr uint32_t kQOverflow = 0x00004000;
constexpr uint32_t kIgnored = 0x00008000;
constexpr uint32_t kOnlydir = 0x01000000;
constexpr uint32_t kDontFollow = 0x02000000;
constexpr uint32_t kExclUnlink = 0x04000000;
constexpr uint32_t kMaskCreate = 0x10000000;
constexpr uint32_t kMaskAdd = 0x20000000;
constexpr uint32_t kIsdir = 0x40000000;
constexpr uint32_t kOneshot = 0x80000000;
// Every bit inotify_add_watch accepts (anything else alone is EINVAL).
constexpr uint32_t kAllBits = kAllEvents | kUnmount | kQOverflow | kIgnored | kOnlydir | kDontFollow |
                              kExclUnlink | kMaskCreate | kMaskAdd | kIsdir | kOneshot;
}  // namespace in

// The event of a utimensat (fsnotify_change): IN_ATTRIB when both times
// change, else IN_ACCESS for atime alone, IN_MODIFY for mtime alone.
inline uint32_t times_event(bool atime, bool mtime) {
  if (atime && mtime) return in::kAttrib;
  return atime ? in::kAccess : (mtime ? in::kModify : 0);
}

struct InodeKey {
  uint64_t dev = 0, ino = 0;
  bool valid() const { return dev != 0 || ino != 0; }
  bool operator==(const InodeKey&) const = default;
};

struct InodeKeyHash {
  size_t operator()(const InodeKey& k) const { return std::hash<uint64_t>()(k.dev * 0x9e3779b97f4a7c15ULL ^ k.ino); }
};

// Something with watches on inodes (an inotify instance).
class NotifyGroup {
 public:
  virtual ~NotifyGroup() = default;
  // An event for watch `wd`. `name` is set for events about an entry of a
  // watched directory; `unlinked` says that entry has lost its name
  // (IN_EXCL_UNLINK watches ignore it).
  virtual void deliver(int wd, uint32_t mask, uint32_t cookie, std::string_view name, bool unlinked) = 0;
  // The watched inode is gone (after IN_DELETE_SELF): the watch ends, IN_IGNORED.
  virtual void watch_gone(int wd) = 0;
};

class FsNotify;

// What an open file description reports (IN_OPEN at creation, IN_ACCESS,
// IN_MODIFY, IN_ATTRIB through the fd, IN_CLOSE_* when the last reference
// goes). It remembers the directory and name the file was opened by, so a
// watch on that directory hears about the file (Linux's d_parent; a later
// rename of the file is not followed).
class FileNotify {
 public:
  FileNotify(std::weak_ptr<FsNotify> hub, InodeKey self, InodeKey parent, std::string name, bool is_dir,
             bool writable);
  ~FileNotify();
  FileNotify(const FileNotify&) = delete;
  FileNotify& operator=(const FileNotify&) = delete;

  void event(uint32_t mask);

 private:
  std::weak_ptr<FsNotify> hub_;
  InodeKey self_, parent_;
  std::string name_;
  bool is_dir_, writable_;
};

class FsNotify : public std::enable_shared_from_this<FsNotify> {
 public:
  static constexpr int kMaxQueuedEvents = 16384;  // /proc/sys/fs/inotify/max_queued_events
  static constexpr int kMaxUserInstances = 128;
  static constexpr int kMaxUserWatches = 65536;

  // Some watch exists: only then do callers work out identities.
  bool active() const { return !watches_.empty(); }

  // ---- watches (the group keeps its own wd -> mask table)
  void add_watch(InodeKey key, NotifyGroup* g, int wd, uint32_t uid);
  void remove_watch(InodeKey key, NotifyGroup* g, int wd, uint32_t uid);
  bool may_add_watch(uint32_t uid) const;
  // inotify instances per user (EMFILE at kMaxUserInstances).
  bool add_instance(uint32_t uid);
  void remove_instance(uint32_t uid);

  // ---- events
  // On the inode itself (IN_ATTRIB of a link count, IN_MOVE_SELF) or, with
  // a name, on an entry of a directory (IN_CREATE, IN_DELETE, IN_MOVED_*).
  void event(InodeKey key, uint32_t mask, std::string_view name = {}, uint32_t cookie = 0);
  // On a file, told to its directory's watches with the name first, then to
  // the file's own (fsnotify_parent's order).
  void child_event(InodeKey parent, std::string_view name, InodeKey self, uint32_t mask);
  uint32_t next_cookie() { return ++cookie_; }
  // The inode lost its last name: IN_DELETE_SELF now, or when the last
  // description opened while watches existed goes (eviction).
  void unlinked(InodeKey key, bool is_dir);

  // ---- open descriptions (FileNotify)
  std::shared_ptr<FileNotify> opened(InodeKey self, InodeKey parent, std::string name, bool is_dir, bool writable);
  void file_event(InodeKey parent, std::string_view name, InodeKey self, uint32_t mask);
  void closed(InodeKey self, bool is_dir);

 private:
  struct Watch {
    NotifyGroup* group;
    int wd;
  };
  void evict(InodeKey key, bool is_dir);
  void deliver(InodeKey key, uint32_t mask, std::string_view name, uint32_t cookie, bool unlinked);

  std::unordered_map<InodeKey, std::vector<Watch>, InodeKeyHash> watches_;
  std::unordered_map<InodeKey, int, InodeKeyHash> open_;  // descriptions with a FileNotify
  std::unordered_set<InodeKey, InodeKeyHash> dead_;       // unlinked, still open
  std::unordered_map<uint32_t, int> user_watches_, user_instances_;
  uint32_t cookie_ = 0;
};

}  // namespace lx
