// What a dying thread owes the futex words of its address space:
// CLONE_CHILD_CLEARTID's clear-and-wake and the robust-list walk
// (Documentation/locking/robust-futex-ABI.rst).
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/sched/Futex.h"

namespace lx {
namespace {

constexpr uint32_t kFutexWaiters = 0x80000000u, kFutexOwnerDied = 0x40000000u, kFutexTidMask = 0x3fffffffu;
constexpr int kRobustListLimit = 2048;  // ROBUST_LIST_LIMIT: stops a circular list

// Both exit duties wake with a shared key: that is what Linux uses, so
// glibc waits on these words without FUTEX_PRIVATE_FLAG.
void wake_shared(Task& t, uint64_t uaddr) {
  (void)t.mem().commit();  // the word's new value first
  Result<FutexKey> key = futex_key(t, uaddr, false);
  if (key.ok()) futex_table(t.kernel()).wake(key.value(), 1, kFutexBitsetMatchAny);
}

// One robust-list entry's futex word. False: a fault, stop the walk.
//
// The owner check and the OWNER_DIED store are a read and a separate write
// of guest memory (the pico interface has no compare-and-swap), so a
// guest thread that sets FUTEX_WAITERS in between loses that bit; it then
// finds OWNER_DIED set on its next attempt, which glibc handles.
bool futex_death(Task& t, uint64_t uaddr, bool pi, bool pending_op) {
  if (uaddr % sizeof(uint32_t)) return false;
  Result<uint32_t> word = t.mem().read(UserPtr<uint32_t>{uaddr});
  if (!word.ok()) return false;
  const uint32_t uval = word.value();
  const uint32_t owner = uval & kFutexTidMask;
  // The thread died between taking the pending slot and owning the lock
  // (owner still 0): a waiter may have been promised this unlock's wake.
  if (pending_op && !pi && owner == 0) {
    wake_shared(t, uaddr);
    return true;
  }
  if (owner != static_cast<uint32_t>(t.tid())) return true;
  const uint32_t next = (uval & kFutexWaiters) | kFutexOwnerDied;
  if (!t.mem().write(UserPtr<uint32_t>{uaddr}, next).ok()) return false;
  // PI waiters would be handed over by the PI code, which does not exist.
  if (!pi && (uval & kFutexWaiters)) wake_shared(t, uaddr);
  return true;
}

// A list pointer: bit 0 flags a PI futex.
bool fetch_entry(Task& t, uint64_t addr, uint64_t* entry, bool* pi) {
  Result<uint64_t> v = t.mem().read(UserPtr<uint64_t>{addr});
  if (!v.ok()) return false;
  *entry = v.value() & ~uint64_t{1};
  *pi = v.value() & 1;
  return true;
}

}  // namespace

void futex_exit_clear_child_tid(Task& t) {
  const uint64_t addr = t.clear_child_tid;
  t.clear_child_tid = 0;
  if (!addr || !t.tg().mm_ref()) return;
  // A bad pointer is the guest's problem: Linux ignores the fault too.
  if (t.mem().write(UserPtr<uint32_t>{addr}, 0u).ok()) wake_shared(t, addr);
}

void futex_exit_robust_list(Task& t) {
  // struct robust_list_head { next; long futex_offset; list_op_pending; }
  const uint64_t head = t.robust_list;
  t.robust_list = 0;
  if (!head || !t.tg().mm_ref()) return;
  uint64_t entry = 0, pending = 0;
  bool pi = false, pending_pi = false;
  if (!fetch_entry(t, head, &entry, &pi)) return;
  Result<int64_t> off = t.mem().read(UserPtr<int64_t>{head + 8});
  if (!off.ok()) return;
  const auto futex_offset = static_cast<uint64_t>(off.value());
  if (!fetch_entry(t, head + 16, &pending, &pending_pi)) return;

  int limit = kRobustListLimit;
  while (entry != head) {
    uint64_t next = 0;
    bool next_pi = false;
    // Read the link before the futex word is released to other threads.
    const bool have_next = fetch_entry(t, entry, &next, &next_pi);
    // The pending entry is handled once, below.
    if (entry != pending && !futex_death(t, entry + futex_offset, pi, false)) return;
    if (!have_next) return;
    entry = next;
    pi = next_pi;
    if (--limit == 0) break;
  }
  if (pending) futex_death(t, pending + futex_offset, pending_pi, true);
}

}  // namespace lx
