// Advisory locks. Three kinds share one table per file:
// - POSIX record locks (F_SETLK): owned by the process; a process never
//   conflicts with itself, and closing any of its fds for the file drops
//   them all;
// - OFD locks (F_OFD_SETLK): same byte ranges, owned by the open file
//   description, so two descriptions conflict even within one process;
//   they conflict with POSIX locks too;
// - flock locks: whole-file, owned by the description, a separate namespace
//   that never interacts with the other two.
// Owners are remembered through weak references to the descriptions that
// set the locks: when a description dies (last fd closed, exec, exit) its
// locks are gone, which covers every path that drops fds without a hook.
#include "kernel/syscalls/FileLocks.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kFGetlk = 5;
constexpr int kFSetlk = 6;
constexpr int kFSetlkw = 7;
constexpr int kFOfdGetlk = 36;
constexpr int kFOfdSetlk = 37;
constexpr int kFOfdSetlkw = 38;

constexpr int16_t kFRdlck = 0;
constexpr int16_t kFWrlck = 1;
constexpr int16_t kFUnlck = 2;

constexpr unsigned kLockSh = 1;
constexpr unsigned kLockEx = 2;
constexpr unsigned kLockNb = 4;
constexpr unsigned kLockUn = 8;
constexpr unsigned kLockMand = 32;

constexpr int64_t kOffsetMax = std::numeric_limits<int64_t>::max();

struct Flock {  // struct flock, x86-64 (32 bytes)
  int16_t l_type;
  int16_t l_whence;
  int32_t pad0;
  int64_t l_start;
  int64_t l_len;
  int32_t l_pid;
  int32_t pad1;
};
static_assert(sizeof(Flock) == 32);

// ---- the lock table -----------------------------------------------------------------

struct Owner {
  bool ofd = false;
  int pid = 0;                   // POSIX owner
  const OpenFile* file = nullptr;  // OFD owner
  bool operator==(const Owner& o) const { return ofd == o.ofd && (ofd ? file == o.file : pid == o.pid); }
};

struct RangeLock {
  Owner owner;
  std::weak_ptr<OpenFile> via;  // OFD locks: the owning description
  int64_t start;
  int64_t end;  // inclusive; kOffsetMax means "to end of file, however long"
  int16_t type;
};

struct FlockLock {
  const OpenFile* owner;
  std::weak_ptr<OpenFile> via;
  bool exclusive;
};

struct FileLocks {
  std::vector<RangeLock> ranges;
  std::vector<FlockLock> flocks;
  // Descriptions through which each process set POSIX locks here: if any
  // of them is gone, so are all of that process's POSIX locks.
  std::vector<std::pair<int, std::weak_ptr<OpenFile>>> posix_vias;

  bool empty() const { return ranges.empty() && flocks.empty() && posix_vias.empty(); }

  void drop_posix(int pid) {
    std::erase_if(ranges, [&](const RangeLock& l) { return !l.owner.ofd && l.owner.pid == pid; });
    std::erase_if(posix_vias, [&](const auto& v) { return v.first == pid; });
  }

  // Forgets locks whose owners are gone, before any comparison: a new
  // description may reuse a dead one's address.
  void purge() {
    std::vector<int> dead;
    for (const auto& [pid, via] : posix_vias)
      if (via.expired()) dead.push_back(pid);
    for (int pid : dead) drop_posix(pid);
    std::erase_if(ranges, [](const RangeLock& l) { return l.owner.ofd && l.via.expired(); });
    std::erase_if(flocks, [](const FlockLock& l) { return l.via.expired(); });
  }
};

// (kernel instance, st_dev, st_ino): one table serves every Kernel in the
// provider, and guests of different instances never share files.
using FileKey = std::tuple<const void*, uint64_t, uint64_t>;

std::mutex g_mu;
std::map<FileKey, FileLocks>& table() {
  static std::map<FileKey, FileLocks> t;
  return t;
}

FileKey key_of(Task& task, OpenFile& f) {
  auto [dev, ino] = f.file_id();
  if (dev == 0 && ino == 0) {
    Result<abi::Stat> st = f.stat();
    if (st.ok()) {
      dev = st.value().st_dev;
      ino = st.value().st_ino;
    } else {
      // Nothing names the file beyond this description: lock it alone.
      dev = ~uint64_t{0};
      ino = reinterpret_cast<uintptr_t>(&f);
    }
  }
  return {&task.kernel(), dev, ino};
}

bool overlaps(const RangeLock& l, int64_t start, int64_t end) { return l.start <= end && start <= l.end; }

bool conflicts(const RangeLock& held, const Owner& who, int16_t type, int64_t start, int64_t end) {
  if (held.owner == who || !overlaps(held, start, end)) return false;
  return held.type == kFWrlck || type == kFWrlck;
}

// Replaces `who`'s locks on [start, end] by one of `type` (or none for
// F_UNLCK), splitting the ranges it cuts through and merging same-type
// neighbours, as posix_lock_inode() does.
void apply_range(FileLocks& fl, const Owner& who, const OpenFileRef& via, int16_t type, int64_t start, int64_t end) {
  std::vector<RangeLock> mine, others;
  for (RangeLock& l : fl.ranges) {
    if (!(l.owner == who)) {
      others.push_back(std::move(l));
      continue;
    }
    if (!overlaps(l, start, end)) {
      mine.push_back(std::move(l));
      continue;
    }
    if (l.start < start) mine.push_back(RangeLock{l.owner, l.via, l.start, start - 1, l.type});
    if (l.end > end) mine.push_back(RangeLock{l.owner, l.via, end + 1, l.end, l.type});
  }
  if (type != kFUnlck) {
    std::weak_ptr<OpenFile> w = who.ofd ? std::weak_ptr<OpenFile>(via) : std::weak_ptr<OpenFile>();
    mine.push_back(RangeLock{who, w, start, end, type});
  }
  std::sort(mine.begin(), mine.end(), [](const RangeLock& a, const RangeLock& b) { return a.start < b.start; });
  std::vector<RangeLock> merged;
  for (RangeLock& l : mine) {
    if (!merged.empty()) {
      RangeLock& last = merged.back();
      const bool touches = last.end == kOffsetMax || l.start <= last.end + 1;
      if (last.type == l.type && touches) {
        last.end = std::max(last.end, l.end);
        continue;
      }
    }
    merged.push_back(std::move(l));
  }
  fl.ranges = std::move(others);
  fl.ranges.insert(fl.ranges.end(), merged.begin(), merged.end());
  if (!who.ofd) {
    const bool known = std::any_of(fl.posix_vias.begin(), fl.posix_vias.end(), [&](const auto& v) {
      return v.first == who.pid && v.second.lock() == via;
    });
    if (!known) fl.posix_vias.emplace_back(who.pid, via);
  }
}

// ---- fcntl record locks -------------------------------------------------------------

// flock_to_posix_lock(): the request as an inclusive [start, end] range.
Result<std::pair<int64_t, int64_t>> request_range(OpenFile& f, const Flock& l) {
  int64_t base = 0;
  switch (l.l_whence) {
    case abi::kSeekSet:
      break;
    case abi::kSeekCur:
      base = TRY(f.seek(0, abi::kSeekCur));
      break;
    case abi::kSeekEnd: {
      abi::Stat st = TRY(f.stat());
      base = st.st_size;
      break;
    }
    default:
      return err(EINVAL);
  }
  if (l.l_start > kOffsetMax - base) return err(EOVERFLOW);
  int64_t start = base + l.l_start;
  if (start < 0) return err(EINVAL);
  int64_t end;
  if (l.l_len > 0) {
    if (l.l_len - 1 > kOffsetMax - start) return err(EOVERFLOW);
    end = start + (l.l_len - 1);
  } else if (l.l_len < 0) {
    // POSIX-2001: a negative length covers [start + len, start - 1].
    if (start + l.l_len < 0) return err(EINVAL);
    end = start - 1;
    start += l.l_len;
  } else {
    end = kOffsetMax;
  }
  return std::pair{start, end};
}

Flock describe(const Flock& in, const RangeLock& l) {
  Flock out = in;
  out.l_type = l.type;
  out.l_whence = abi::kSeekSet;
  out.l_start = l.start;
  out.l_len = l.end == kOffsetMax ? 0 : l.end - l.start + 1;
  out.l_pid = l.owner.ofd ? -1 : l.owner.pid;
  return out;
}

Result<long> getlk(Task& task, const OpenFileRef& f, int cmd, uint64_t arg) {
  const UserPtr<Flock> p{arg};
  Flock l = TRY(task.mem().read(p));
  const bool ofd = cmd == kFOfdGetlk;
  // F_OFD_GETLK also takes F_UNLCK: "which of my own locks overlap?"
  if (l.l_type != kFRdlck && l.l_type != kFWrlck && !(ofd && l.l_type == kFUnlck)) return err(EINVAL);
  auto [start, end] = TRY(request_range(*f, l));
  if (ofd && l.l_pid != 0) return err(EINVAL);
  const Owner who{ofd, ofd ? 0 : task.tg().pid(), ofd ? f.get() : nullptr};
  Flock out = l;
  out.l_type = kFUnlck;  // the rest is left as the caller passed it
  {
    std::lock_guard<std::mutex> g(g_mu);
    auto it = table().find(key_of(task, *f));
    if (it != table().end()) {
      it->second.purge();
      for (const RangeLock& held : it->second.ranges) {
        const bool hit = l.l_type == kFUnlck ? (held.owner == who && overlaps(held, start, end))
                                             : conflicts(held, who, l.l_type, start, end);
        if (hit) {
          out = describe(l, held);
          break;
        }
      }
    }
  }
  TRY(task.mem().write(p, out));
  return 0;
}

Result<long> setlk(Task& task, const OpenFileRef& f, int cmd, uint64_t arg) {
  Flock l = TRY(task.mem().read(UserPtr<Flock>{arg}));
  auto [start, end] = TRY(request_range(*f, l));
  if (l.l_type != kFRdlck && l.l_type != kFWrlck && l.l_type != kFUnlck) return err(EINVAL);
  if (l.l_type == kFRdlck && !f->readable()) return err(EBADF);
  if (l.l_type == kFWrlck && !f->writable()) return err(EBADF);
  const bool ofd = cmd == kFOfdSetlk || cmd == kFOfdSetlkw;
  if (ofd && l.l_pid != 0) return err(EINVAL);
  const bool wait = cmd == kFSetlkw || cmd == kFOfdSetlkw;
  const Owner who{ofd, ofd ? 0 : task.tg().pid(), ofd ? f.get() : nullptr};

  std::lock_guard<std::mutex> g(g_mu);
  const FileKey key = key_of(task, *f);
  FileLocks& fl = table()[key];
  fl.purge();
  if (l.l_type != kFUnlck) {
    for (const RangeLock& held : fl.ranges) {
      if (!conflicts(held, who, l.l_type, start, end)) continue;
      // Every holder lives in this one single-threaded process, so nobody
      // could ever release the lock a waiter would sleep on.
      return err(wait ? EDEADLK : EAGAIN);
    }
  }
  apply_range(fl, who, f, l.l_type, start, end);
  if (fl.empty()) table().erase(key);
  return 0;
}

// ---- flock ----------------------------------------------------------------------------

Result<long> sys_flock(Task& task, const SyscallArgs& a) {
  OpenFileRef f = TRY(task.fds().get(arg_int(a[0])));
  if (f->is_path()) return err(EBADF);
  const auto cmd = static_cast<uint32_t>(a[1]);
  // LOCK_MAND never worked; Linux accepts and ignores it.
  if (cmd & kLockMand) return 0;
  const unsigned op = cmd & ~kLockNb;
  if (op != kLockSh && op != kLockEx && op != kLockUn) return err(EINVAL);
  // Access mode 3 (ioctl-only) opens may not take locks.
  if (op != kLockUn && !f->readable() && !f->writable()) return err(EBADF);

  std::lock_guard<std::mutex> g(g_mu);
  const FileKey key = key_of(task, *f);
  FileLocks& fl = table()[key];
  fl.purge();
  const bool exclusive = op == kLockEx;
  // A conversion removes the old lock first and is not atomic: a failed
  // upgrade leaves the description with no lock at all, as on Linux.
  auto mine = std::find_if(fl.flocks.begin(), fl.flocks.end(), [&](const FlockLock& l) { return l.owner == f.get(); });
  Result<long> result = 0;
  if (mine != fl.flocks.end() && op != kLockUn && mine->exclusive == exclusive) {
    // Already held in this mode.
  } else {
    if (mine != fl.flocks.end()) fl.flocks.erase(mine);
    if (op != kLockUn) {
      const bool conflict = std::any_of(fl.flocks.begin(), fl.flocks.end(),
                                        [&](const FlockLock& l) { return l.exclusive || exclusive; });
      if (conflict) {
        // As for SETLKW: a blocking wait could only be for this process.
        result = err((cmd & kLockNb) ? EWOULDBLOCK : EDEADLK);
      } else {
        fl.flocks.push_back(FlockLock{f.get(), f, exclusive});
      }
    }
  }
  if (fl.empty()) table().erase(key);
  return result;
}

}  // namespace

bool is_fcntl_lock_cmd(int cmd) {
  switch (cmd) {
    case kFGetlk: case kFSetlk: case kFSetlkw: case kFOfdGetlk: case kFOfdSetlk: case kFOfdSetlkw:
      return true;
    default:
      return false;
  }
}

Result<long> fcntl_lock(Task& task, const OpenFileRef& file, int cmd, uint64_t arg) {
  if (file->is_path()) return err(EBADF);
  if (cmd == kFGetlk || cmd == kFOfdGetlk) return getlk(task, file, cmd, arg);
  return setlk(task, file, cmd, arg);
}

void release_posix_locks(Task& task, const OpenFileRef& file) {
  std::lock_guard<std::mutex> g(g_mu);
  if (table().empty()) return;  // the common close: no file has locks, so no need to identify this one
  auto it = table().find(key_of(task, *file));
  if (it == table().end()) return;
  it->second.drop_posix(task.tg().pid());
  it->second.purge();
  if (it->second.empty()) table().erase(it);
}

void register_file_locks(SyscallTable& t) {
  t.add(73, "flock", Support::Partial, sys_flock, {Arg::Fd, Arg::Hex},
        "a blocking request that conflicts fails EDEADLK instead of sleeping (only the caller's own "
        "process could hold the lock)");
}

}  // namespace lx
