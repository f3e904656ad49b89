// Futex wait queues: tasks blocked in futex(2) on a 32-bit guest word, and
// the exit-time futex duties of a thread (clear_child_tid, robust list).
//
// Everything here runs under the kernel's big lock. That lock plays the role
// of Linux's futex hash-bucket lock: a waiter reads the guest word and
// enqueues itself without releasing it, so a waker (which also takes it)
// either runs before the read or finds the waiter queued.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <tuple>

#include "kernel/base/Result.h"
#include "kernel/sched/WaitQueue.h"

namespace lx {

class Kernel;
class Task;

constexpr uint32_t kFutexBitsetMatchAny = 0xffffffff;

// What a futex word is, as get_futex_key() sees it. Private and "shared but
// in private memory" keys never match each other, exactly as in Linux.
struct FutexKey {
  enum Kind : uint8_t {
    kPrivate,    // FUTEX_PRIVATE_FLAG: (address space, address)
    kMmShared,   // no flag, private mapping: (address space, address)
    kFile,       // no flag, MAP_SHARED mapping: (dev, inode, file offset)
    kFileObject, // MAP_SHARED mapping with no inode: (open file, file offset)
  };
  Kind kind = kPrivate;
  uint64_t space = 0;   // Mm*, dev or OpenFile*
  uint64_t object = 0;  // inode (kFile), else 0
  uint64_t offset = 0;  // guest address or file offset
  // (Spelled out: clang-tidy's modernize-use-nullptr misfires on a
  // defaulted operator<=>.)
  bool operator==(const FutexKey& o) const {
    return kind == o.kind && space == o.space && object == o.object && offset == o.offset;
  }
  bool operator<(const FutexKey& o) const {
    return std::tie(kind, space, object, offset) < std::tie(o.kind, o.space, o.object, o.offset);
  }
};

// The key of the futex word at uaddr for task t: EINVAL if misaligned,
// EFAULT outside the user range or (shared keys) outside any mapping.
Result<FutexKey> futex_key(Task& t, uint64_t uaddr, bool private_futex);

class FutexTable {
 public:
  // Queues t on key and sleeps until a wake matching bitset, the deadline
  // (ETIMEDOUT) or a signal (kErestartsys). The caller checked the futex
  // word under the big lock just before.
  Result<void> wait(Task& t, const FutexKey& key, uint32_t bitset, const Deadline& deadline);
  // Wakes waiters on key whose bitset intersects `bitset`, oldest first.
  // Like Linux, at least one is woken when any match, even if nr <= 0.
  int wake(const FutexKey& key, int nr, uint32_t bitset);
  // Wakes up to nr_wake waiters of `from` and moves up to nr_requeue more
  // onto `to`; returns how many were woken plus moved.
  int requeue(const FutexKey& from, const FutexKey& to, int nr_wake, int nr_requeue);

 private:
  struct Waiter {
    Waiter(Task& t, const FutexKey& k, uint32_t b) : task(&t), key(k), bitset(b) {}
    Task* task;
    FutexKey key;  // changes when requeued
    uint32_t bitset;
    bool woken = false;
    WaitQueue queue;  // just this task: what wait_event sleeps on
  };
  void unlink(Waiter& w);
  void wake_one(Waiter& w);

  std::map<FutexKey, std::list<Waiter*>> waiters_;
};

// The instance's futex table. (A side table keyed by kernel: Kernel owns no
// futex state yet.)
FutexTable& futex_table(Kernel& k);

// ---- thread exit (called by the task-exit path, big lock held) ----------
// CLONE_CHILD_CLEARTID / set_tid_address: stores 0 at clear_child_tid and
// wakes one waiter there (shared key, as pthread_join expects); faults are
// ignored. Clears the field.
void futex_exit_clear_child_tid(Task& t);
// The robust futex list (set_robust_list): marks each futex the dying
// thread still owns FUTEX_OWNER_DIED and wakes one waiter; also the
// list_op_pending entry. Bounded to ROBUST_LIST_LIMIT entries; stops at the
// first fault. Also due at execve. Clears the field.
void futex_exit_robust_list(Task& t);

}  // namespace lx
