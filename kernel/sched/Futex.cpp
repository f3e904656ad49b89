#include "kernel/sched/Futex.h"

#include <memory>
#include <mutex>
#include <unordered_map>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/sched/Wait.h"

namespace lx {

Result<FutexKey> futex_key(Task& t, uint64_t uaddr, bool private_futex) {
  if (uaddr % sizeof(uint32_t)) return err(EINVAL);
  TRY(t.mem().check_range(uaddr, sizeof(uint32_t)));  // access_ok()
  const auto space = reinterpret_cast<uint64_t>(t.tg().mm_ref().get());
  // A private key is pure arithmetic: Linux touches no page for it.
  if (private_futex) return FutexKey{FutexKey::kPrivate, space, 0, uaddr};
  // A shared key needs the page (Linux pins it): no mapping, no key.
  const Vma* vma = t.tg().mm().find(uaddr);
  if (!vma || vma->prot == pico::kProtNone) return err(EFAULT);
  if (!vma->shared || !vma->file) return FutexKey{FutexKey::kMmShared, space, 0, uaddr};
  const uint64_t offset = vma->offset + (uaddr - vma->start);
  // Every mapping of the same file page must meet at one key, whichever
  // process or open file description mapped it: the inode identifies it.
  if (vma->inode) return FutexKey{FutexKey::kFile, vma->dev, vma->inode, offset};
  return FutexKey{FutexKey::kFileObject, reinterpret_cast<uint64_t>(vma->file.get()), 0, offset};
}

Result<void> FutexTable::wait(Task& t, const FutexKey& key, uint32_t bitset, const Deadline& deadline) {
  Waiter w(t, key, bitset);
  waiters_[key].push_back(&w);
  Result<void> r = wait_event(t, {&w.queue}, [&w] { return w.woken; }, deadline);
  // A wake that raced with a timeout or signal wins, as in Linux's
  // futex_unqueue() check: the wake-up is not lost.
  if (w.woken) return {};
  unlink(w);
  return r;
}

void FutexTable::unlink(Waiter& w) {
  auto it = waiters_.find(w.key);
  if (it == waiters_.end()) return;
  it->second.remove(&w);
  if (it->second.empty()) waiters_.erase(it);
}

void FutexTable::wake_one(Waiter& w) {
  w.woken = true;
  w.queue.wake_all();
}

int FutexTable::wake(const FutexKey& key, int nr, uint32_t bitset) {
  auto it = waiters_.find(key);
  if (it == waiters_.end()) return 0;
  int woken = 0;
  auto& list = it->second;
  for (auto w = list.begin(); w != list.end();) {
    if (!((*w)->bitset & bitset)) {
      ++w;
      continue;
    }
    wake_one(**w);
    w = list.erase(w);
    if (++woken >= nr) break;
  }
  if (list.empty()) waiters_.erase(it);
  return woken;
}

int FutexTable::requeue(const FutexKey& from, const FutexKey& to, int nr_wake, int nr_requeue) {
  auto it = waiters_.find(from);
  if (it == waiters_.end()) return 0;
  auto& list = it->second;
  std::list<Waiter*> moved;
  int count = 0;
  for (auto w = list.begin(); w != list.end() && count - nr_wake < nr_requeue;) {
    Waiter* waiter = *w;
    if (++count <= nr_wake) {
      wake_one(*waiter);
      w = list.erase(w);
    } else if (from == to) {
      ++w;  // already on the target: counted as requeued, as Linux does
    } else {
      waiter->key = to;
      moved.push_back(waiter);
      w = list.erase(w);
    }
  }
  if (list.empty()) waiters_.erase(it);
  if (!moved.empty()) {
    auto& dst = waiters_[to];
    dst.splice(dst.end(), moved);
  }
  return count;
}

FutexTable& futex_table(Kernel& k) {
  // Kernel instances are few and long-lived; each gets its table on first use.
  static std::mutex mu;
  static std::unordered_map<const Kernel*, std::unique_ptr<FutexTable>> tables;
  std::lock_guard lock(mu);
  auto& slot = tables[&k];
  if (!slot) slot = std::make_unique<FutexTable>();
  return *slot;
}

}  // namespace lx
