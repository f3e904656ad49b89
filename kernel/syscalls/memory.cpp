// brk, mmap, munmap, mprotect, mremap, madvise. Layout decisions are made against
// the MemoryMap; the host only gets fixed-address requests (AddressSpace.h).
#include <algorithm>
#include <vector>

#include "kernel/Task.h"
#include "kernel/mm/AddressSpace.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

// mmap(2) flag values (x86-64 uapi).
constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03, kMapType = 0x0f;
constexpr uint64_t kMapFixed = 0x10, kMapAnonymous = 0x20, kMap32Bit = 0x40;
constexpr uint64_t kMapGrowsDown = 0x100, kMapDenyWrite = 0x800, kMapExecutable = 0x1000;
constexpr uint64_t kMapLocked = 0x2000, kMapNoReserve = 0x4000, kMapPopulate = 0x8000;
constexpr uint64_t kMapNonBlock = 0x10000, kMapStack = 0x20000, kMapHugeTlb = 0x40000;
constexpr uint64_t kMapSync = 0x80000, kMapFixedNoReplace = 0x100000, kMapUninitialized = 0x4000000;
constexpr uint64_t kMapHugeMask = 0x3full << 26;
// LEGACY_MAP_MASK: what MAP_SHARED_VALIDATE accepts without EOPNOTSUPP.
constexpr uint64_t kLegacyMapMask = kMapShared | kMapPrivate | kMapFixed | kMapAnonymous | kMapDenyWrite |
                                    kMapExecutable | kMapUninitialized | kMapGrowsDown | kMapLocked |
                                    kMapNoReserve | kMapPopulate | kMapNonBlock | kMapStack | kMapHugeTlb |
                                    kMap32Bit | kMapHugeMask;

constexpr uint64_t kProtMask = pico::kProtRead | pico::kProtWrite | pico::kProtExec;
constexpr uint64_t kProtSem = 0x8, kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;

// MAP_32BIT places mappings in the second GiB, where x86-64 Linux looks.
constexpr uint64_t k32BitLo = 0x40000000, k32BitHi = 0x80000000;

constexpr uint64_t kMremapMayMove = 1, kMremapFixed = 2, kMremapDontUnmap = 4;

constexpr int kOpenPath = 010000000;

constexpr int kMadvDontNeed = 4, kMadvRemove = 9, kMadvHwPoison = 100, kMadvSoftOffline = 101;

int to_prot(uint64_t prot) { return static_cast<int>(prot & kProtMask); }

// ---- brk -------------------------------------------------------------------

Result<long> sys_brk(Task& task, const SyscallArgs& a) {
  MemoryMap& mm = task.tg().mm();
  const uint64_t want = a[0];
  const auto current = static_cast<long>(mm.brk_end);
  // Linux answers every failure, and any query below the start, with the
  // current break rather than an errno.
  if (mm.brk_start == 0 || want < mm.brk_start) return current;
  uint64_t new_top = 0, old_top = 0;
  if (!page_up(want, &new_top) || !page_up(mm.brk_end, &old_top)) return current;
  if (new_top == old_top) {
    mm.brk_end = want;
    return static_cast<long>(want);
  }
  if (new_top < old_top) {
    if (!unmap_range(task, new_top, old_top).ok()) return current;
    mm.brk_end = want;
    return static_cast<long>(want);
  }
  // Growing must leave a guard page before the next mapping, as Linux does.
  uint64_t guard_end = 0;
  if (__builtin_add_overflow(new_top, kPageSize, &guard_end)) return current;
  if (!mm.usable(old_top, new_top) || !mm.is_free(old_top, guard_end)) return current;
  Vma heap = make_vma(old_top, new_top, pico::kProtRead | pico::kProtWrite, "[heap]");
  if (!map_fixed(task, heap).ok()) return current;
  mm.brk_end = want;
  return static_cast<long>(want);
}

// ---- mmap ------------------------------------------------------------------

struct MmapRequest {
  uint64_t addr, len, prot, flags;
  int fd;
  uint64_t offset;
};

// Chooses where a non-MAP_FIXED mapping goes: the hint if it fits, else the
// top-down search (below 2 GiB for MAP_32BIT).
Result<uint64_t> place(const MemoryMap& mm, const MmapRequest& r) {
  if (r.addr != 0) {
    uint64_t hint = page_down(r.addr), end = 0;
    if (!__builtin_add_overflow(hint, r.len, &end) && mm.usable(hint, end) && mm.is_free(hint, end) &&
        (!(r.flags & kMap32Bit) || end <= k32BitHi))
      return hint;
  }
  if (r.flags & kMap32Bit) return mm.find_free_in(r.len, k32BitLo, k32BitHi);
  return mm.find_free(r.len);
}

Result<long> do_mmap(Task& task, MmapRequest r) {
  if (r.offset & (kPageSize - 1)) return err(EINVAL);
  const bool anonymous = r.flags & kMapAnonymous;
  OpenFileRef file;
  if (!anonymous) file = TRY(task.fds().get(r.fd));
  if (r.len == 0) return err(EINVAL);
  uint64_t type = r.flags & kMapType;
  if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) return err(EINVAL);
  // MAP_SHARED_VALIDATE (== MAP_SHARED|MAP_PRIVATE) exists for files only.
  if (type == kMapSharedValidate && anonymous) return err(EINVAL);
  if (type == kMapSharedValidate && (r.flags & ~kLegacyMapMask)) return err(EOPNOTSUPP);
  if (r.flags & kMapHugeTlb) return err(ENOMEM);  // no huge pages are reserved
  if (!page_up(r.len, &r.len)) return err(ENOMEM);
  uint64_t off_end = 0;
  if (!anonymous && (__builtin_add_overflow(r.offset, r.len, &off_end) || off_end > static_cast<uint64_t>(INT64_MAX)))
    return err(EOVERFLOW);

  MemoryMap& mm = task.tg().mm();
  const bool fixed = r.flags & (kMapFixed | kMapFixedNoReplace);
  uint64_t addr = 0, end = 0;
  if (fixed) {
    addr = r.addr;
    if (!page_aligned(addr)) return err(EINVAL);
    if (__builtin_add_overflow(addr, r.len, &end) || end > MemoryMap::kUserEnd) return err(ENOMEM);
    if (addr < MemoryMap::kMinAddr) return err(EPERM);
    if (!mm.usable(addr, end)) return err((r.flags & kMapFixedNoReplace) ? EEXIST : ENOMEM);
    if ((r.flags & kMapFixedNoReplace) && !mm.is_free(addr, end)) return err(EEXIST);
  } else {
    addr = TRY(place(mm, r));
    end = addr + r.len;
  }

  const bool shared = type != kMapPrivate;
  Vma vma = make_vma(addr, end, to_prot(r.prot));
  vma.shared = shared;
  if (anonymous) {
    // Partial: shared anonymous memory is private until fork exists.
    TRY(map_fixed(task, vma));
    return static_cast<long>(addr);
  }

  if (file->status_flags() & kOpenPath) return err(EBADF);
  if (!file->readable()) return err(EACCES);
  if (shared && (r.prot & pico::kProtWrite) && !file->writable()) return err(EACCES);
  if (file->is_directory()) return err(ENODEV);
  // Partial: file mappings are copies. That is exact for private mappings,
  // and for shared ones of a file not open for writing (they can never be
  // made writable); shared mappings that could write back need a host
  // mapping of the file, which the pico interface does not offer yet.
  if (shared && file->writable()) return err(ENODEV);
  vma.may_write = !shared;
  abi::Stat st = TRY(file->stat());
  vma.name = file->guest_path();
  vma.offset = r.offset;
  vma.dev = st.st_dev;
  vma.inode = st.st_ino;
  vma.file = file;
  Result<void> res = map_fixed_from_file(task, vma, *file);
  if (!res.ok()) return err(res.error() == ESPIPE ? ENODEV : res.error());
  return static_cast<long>(addr);
}

Result<long> sys_mmap(Task& task, const SyscallArgs& a) {
  return do_mmap(task, MmapRequest{a[0], a[1], a[2], a[3], static_cast<int>(a[4]), a[5]});
}

// ---- munmap / mprotect / madvise ----------------------------------------------

Result<long> sys_munmap(Task& task, const SyscallArgs& a) {
  uint64_t start = a[0], len = a[1];
  if (!page_aligned(start) || start > MemoryMap::kUserEnd || len > MemoryMap::kUserEnd - start) return err(EINVAL);
  if (!page_up(len, &len) || len == 0) return err(EINVAL);
  TRY(unmap_range(task, start, start + len));
  return 0;
}

Result<long> sys_mprotect(Task& task, const SyscallArgs& a) {
  uint64_t start = a[0], len = a[1], prot = a[2];
  uint64_t grows = prot & (kProtGrowsDown | kProtGrowsUp);
  prot &= ~grows;
  if (grows == (kProtGrowsDown | kProtGrowsUp)) return err(EINVAL);
  if (!page_aligned(start)) return err(EINVAL);
  if (len == 0) return 0;
  uint64_t end = 0;
  if (!page_up(len, &len) || __builtin_add_overflow(start, len, &end)) return err(ENOMEM);
  if (prot & ~(kProtMask | kProtSem)) return err(EINVAL);
  if (end > MemoryMap::kUserEnd) return err(ENOMEM);
  TRY(protect_range(task, start, end, to_prot(prot)));
  return 0;
}

bool valid_advice(int advice) {
  return (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25) || advice == kMadvHwPoison ||
         advice == kMadvSoftOffline;
}

// Fresh pages for one VMA piece: zeros for anonymous memory, the file's
// bytes again for a private file mapping.
Result<void> discard_pages(Task& task, const Vma& piece) {
  if (piece.file) return map_fixed_from_file(task, piece, *piece.file);
  return map_fixed(task, piece);
}

Result<long> sys_madvise(Task& task, const SyscallArgs& a) {
  uint64_t start = a[0], len_in = a[1];
  int advice = static_cast<int>(a[2]);
  if (!valid_advice(advice)) return err(EINVAL);
  if (advice == kMadvHwPoison || advice == kMadvSoftOffline) return err(EPERM);
  if (!page_aligned(start)) return err(EINVAL);
  uint64_t len = 0, end = 0;
  if (!page_up(len_in, &len) || (len_in && !len)) return err(EINVAL);
  if (__builtin_add_overflow(start, len, &end)) return err(EINVAL);
  if (end == start) return 0;
  MemoryMap& mm = task.tg().mm();
  if (advice == kMadvRemove) {
    for (const Vma& v : mm.vmas_in(start, end)) {
      if (!v.shared) return err(EINVAL);
      if (!(v.prot & pico::kProtWrite)) return err(EACCES);
    }
  }
  if (advice == kMadvDontNeed || advice == kMadvRemove) {
    for (const Vma& v : mm.vmas_in(start, end)) TRY(discard_pages(task, v));
  }
  // Other advice only tunes paging; applying it to the mapped parts and
  // then reporting holes matches Linux.
  if (!mm.covered(start, end)) return err(ENOMEM);
  return 0;
}

// ---- mremap ------------------------------------------------------------------

// Copies guest memory between two mappings of this process; `src` must be
// readable and `dst` writable.
Result<void> copy_guest(Task& task, uint64_t dst, uint64_t src, uint64_t len) {
  constexpr uint64_t kChunk = 1 << 20;
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(len, kChunk)));
  pico::Process& p = task.tg().pico();
  for (uint64_t done = 0; done < len;) {
    uint64_t n = std::min(len - done, kChunk);
    TRY(p.read_memory(src + done, buf.data(), static_cast<size_t>(n)));
    TRY(p.write_memory(dst + done, buf.data(), static_cast<size_t>(n)));
    done += n;
  }
  return {};
}

// The part of `vma` that [start,end) adds, with the file offset it would have.
Vma extension_of(const Vma& vma, uint64_t start, uint64_t end) {
  Vma v = vma;
  if (v.file || v.inode) v.offset += start - vma.start;
  v.start = start;
  v.end = end;
  return v;
}

Result<void> map_like(Task& task, const Vma& v) {
  if (v.file) return map_fixed_from_file(task, v, *v.file);
  return map_fixed(task, v);
}

// Moves [old, old+old_len) to new_addr, growing to new_len; the host has no
// page remapping, so the bytes are copied.
Result<long> move_mapping(Task& task, const Vma& vma, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
                          uint64_t new_len, bool dont_unmap) {
  pico::Thread& t = task.thread();
  const uint64_t keep = std::min(old_len, new_len);
  Vma moved = extension_of(vma, old_addr, old_addr + new_len);
  moved.start = new_addr;
  moved.end = new_addr + new_len;
  TRY(t.map_anonymous(new_addr, new_len, vma.prot | pico::kProtRead | pico::kProtWrite));
  Result<void> r;
  if (!(vma.prot & pico::kProtRead)) r = t.protect(old_addr, old_len, vma.prot | pico::kProtRead);
  if (r.ok()) r = copy_guest(task, new_addr, old_addr, keep);
  if (r.ok() && new_len > keep && moved.file) {
    Vma tail = extension_of(moved, new_addr + keep, new_addr + new_len);
    r = copy_file_to_guest(task, tail.start, tail.end - tail.start, *tail.file, tail.offset);
  }
  if (r.ok()) r = t.protect(new_addr, new_len, vma.prot);
  if (!(vma.prot & pico::kProtRead)) (void)t.protect(old_addr, old_len, vma.prot);
  if (!r.ok()) {
    (void)t.unmap(new_addr, new_len);
    task.tg().mm().remove(new_addr, new_addr + new_len);
    return err(r.error());
  }
  MemoryMap& mm = task.tg().mm();
  mm.remove(new_addr, new_addr + new_len);
  mm.insert(moved);
  // MREMAP_DONTUNMAP leaves the old range mapped but empty.
  if (dont_unmap)
    TRY(map_fixed(task, extension_of(vma, old_addr, old_addr + old_len)));
  else
    TRY(unmap_range(task, old_addr, old_addr + old_len));
  return static_cast<long>(new_addr);
}

Result<long> sys_mremap(Task& task, const SyscallArgs& a) {
  uint64_t addr = a[0], old_len = a[1], new_len = a[2], flags = a[3], new_addr = a[4];
  if (flags & ~(kMremapMayMove | kMremapFixed | kMremapDontUnmap)) return err(EINVAL);
  if ((flags & (kMremapFixed | kMremapDontUnmap)) && !(flags & kMremapMayMove)) return err(EINVAL);
  if (!page_aligned(addr)) return err(EINVAL);
  if (!page_up(old_len, &old_len) || !page_up(new_len, &new_len) || new_len == 0) return err(EINVAL);
  if ((flags & kMremapDontUnmap) && old_len != new_len) return err(EINVAL);
  // old_len 0 duplicates a shared mapping; with no real sharing, refuse.
  if (old_len == 0) return err(EINVAL);
  uint64_t old_end = 0;
  if (__builtin_add_overflow(addr, old_len, &old_end) || old_end > MemoryMap::kUserEnd) return err(EINVAL);

  MemoryMap& mm = task.tg().mm();
  const Vma* found = mm.find(addr);
  if (!found || found->end < old_end) return err(EFAULT);
  const Vma vma = *found;

  if (flags & kMremapFixed) {
    uint64_t new_end = 0;
    if (!page_aligned(new_addr) || __builtin_add_overflow(new_addr, new_len, &new_end) ||
        new_end > MemoryMap::kUserEnd)
      return err(EINVAL);
    if (new_addr < old_end && addr < new_end) return err(EINVAL);  // overlapping ranges
    if (!mm.usable(new_addr, new_end)) return err(ENOMEM);
    TRY(unmap_range(task, new_addr, new_end));
    return move_mapping(task, vma, addr, old_len, new_addr, new_len, flags & kMremapDontUnmap);
  }
  if (!(flags & kMremapDontUnmap)) {
    if (new_len <= old_len) {
      TRY(unmap_range(task, addr + new_len, old_end));
      return static_cast<long>(addr);
    }
    uint64_t grow_end = 0;
    if (!__builtin_add_overflow(addr, new_len, &grow_end) && old_end == vma.end && mm.usable(old_end, grow_end) &&
        mm.is_free(old_end, grow_end)) {
      TRY(map_like(task, extension_of(vma, old_end, grow_end)));
      return static_cast<long>(addr);
    }
  }
  if (!(flags & kMremapMayMove)) return err(ENOMEM);
  uint64_t dest = TRY(mm.find_free(new_len));
  return move_mapping(task, vma, addr, old_len, dest, new_len, flags & kMremapDontUnmap);
}

}  // namespace

void register_memory(SyscallTable& t) {
  t.add(12, "brk", Support::Partial, sys_brk, {Arg::Ptr}, "RLIMIT_DATA is not enforced", true);
  t.add(9, "mmap", Support::Partial, sys_mmap,
        {Arg::Ptr, Arg::Size, Arg::Prot, Arg::MapFlags, Arg::Fd, Arg::Hex},
        "file mappings are copies (exact for MAP_PRIVATE and for MAP_SHARED of read-only fds); MAP_SHARED "
        "of writable fds is ENODEV for now; shared anonymous memory behaves as private",
        true);
  t.add(11, "munmap", Support::Full, sys_munmap, {Arg::Ptr, Arg::Size});
  t.add(10, "mprotect", Support::Full, sys_mprotect, {Arg::Ptr, Arg::Size, Arg::Prot});
  t.add(25, "mremap", Support::Partial, sys_mremap, {Arg::Ptr, Arg::Size, Arg::Size, Arg::Hex, Arg::Ptr},
        "moving copies the bytes (no page remapping in the pico interface); old_size 0 is EINVAL", true);
  t.add(28, "madvise", Support::Partial, sys_madvise, {Arg::Ptr, Arg::Size, Arg::Int},
        "MADV_DONTNEED discards pages; other advice is accepted and ignored");
}

}  // namespace lx
