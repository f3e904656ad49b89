// An inotify instance (inotify(7)): watches on inodes, kept in the kernel's
// notification hub (vfs/FsNotify.h), and the queue of events they produced,
// read as struct inotify_event records. Guarded by the big lock; never
// sleeps itself: an empty queue reads EAGAIN and vfs/FileWait sleeps on
// queue() for blocking descriptions.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "kernel/sched/WaitQueue.h"
#include "kernel/vfs/FsNotify.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

class InotifyFile final : public OpenFile, public NotifyGroup {
 public:
  InotifyFile(std::shared_ptr<FsNotify> hub, uint32_t uid, int status_flags);
  ~InotifyFile() override;
  InotifyFile(const InotifyFile&) = delete;
  InotifyFile& operator=(const InotifyFile&) = delete;

  // inotify_add_watch after the lookup: the same inode gets the same wd;
  // EEXIST for IN_MASK_CREATE on a watched inode, ENOSPC past the user's limit.
  Result<int> add_watch(InodeKey key, uint32_t mask);
  // EINVAL for an unknown wd; queues IN_IGNORED.
  Result<void> rm_watch(int wd);
  // /proc/PID/fdinfo lines ("inotify wd:... ino:... sdev:... mask:...").
  std::string fdinfo() const;

  Result<uint64_t> read(std::span<uint8_t> buf) override;
  Result<abi::Stat> stat() override;
  Result<long> ioctl(Task& task, unsigned cmd, uint64_t arg) override;
  unsigned poll_events() override;
  WaitQueue* wait_queue() override { return &queue_; }

  void deliver(int wd, uint32_t mask, uint32_t cookie, std::string_view name, bool unlinked) override;
  void watch_gone(int wd) override;

 private:
  struct Watch {
    InodeKey key;
    uint32_t mask;  // events | IN_ONESHOT | IN_EXCL_UNLINK
  };
  struct Event {
    int32_t wd;
    uint32_t mask, cookie;
    std::string name;
    uint64_t size() const;
  };
  void queue_event(int32_t wd, uint32_t mask, uint32_t cookie, std::string_view name);
  void drop_watch(int wd);

  std::shared_ptr<FsNotify> hub_;
  uint32_t uid_;
  std::map<int, Watch> watches_;
  int last_wd_ = 0;
  std::deque<Event> events_;  // plus at most one IN_Q_OVERFLOW at the end
  uint64_t bytes_ = 0;
  WaitQueue queue_;
};

InotifyFile* as_inotify(OpenFile& f);

}  // namespace lx
