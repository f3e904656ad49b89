// brk, mmap, munmap, mprotect, mremap, madvise. Layout decisions are made against
// the MemoryMap; the host only gets fixed-address requests (AddressSpace.h).
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "kernel/Task.h"
#include "kernel/mm/AddressSpace.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/HostFile.h"

namespace lx {

namespace {

// mmap(2) flag values (x86-64 uapi).
constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03, kMapType = 0x0f;
constexpr uint64_t kMapFixed = 0x10, kMapAnonymous = 0x20, kMap32Bit = 0x40;
constexpr uint64_t kMapGrowsDown = 0x100, kMapDenyWrite = 0x800, kMapExecutable = 0x1000;
constexpr uint64_t kMapLocked = 0x2000, kMapNoReserve = 0x4000, kMapPopulate = 0x8000;
constexpr uint64_t kMapNonBlock = 0x10000, kMapStack = 0x20000, kMapHugeTlb = 0x40000;
// MAP_SYNC (0x80000) is deliberately absent: with MAP_SHARED_VALIDATE it is
// one of the flags we refuse (EOPNOTSUPP), as Linux does for non-DAX files.
constexpr uint64_t kMapFixedNoReplace = 0x100000, kMapUninitialized = 0x4000000;
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

constexpr int kOpenPath = 010000000, kOpenReadWrite = 2;

constexpr int kMadvDontNeed = 4, kMadvRemove = 9, kMadvHwPoison = 100, kMadvSoftOffline = 101;

// Private file mappings are host mappings too (instead of copies): see
// bench/README.md for the python3 start-up measured both ways.
constexpr bool kPrivateFileMapsOnHost = true;

// The backing of a shared anonymous mapping: an unlinked host memfd of len bytes.
Result<OpenFileRef> make_shared_anon_file(uint64_t len) {
  int fd = memfd_create("lx-shmem", MFD_CLOEXEC);
  if (fd < 0) return err(errno == EMFILE || errno == ENFILE ? ENOMEM : errno);
  if (ftruncate(fd, static_cast<off_t>(len)) != 0) {
    int e = errno;
    close(fd);
    return err(e == EFBIG || e == EINVAL ? ENOMEM : e);
  }
  return make_host_fd_file(fd, kOpenReadWrite);
}

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
  if (file && file->maps_as_anonymous()) {
    // Linux's mmap_zero: /dev/zero gives anonymous memory (shmem if shared).
    if (file->status_flags() & kOpenPath) return err(EBADF);
    if (!file->readable()) return err(EACCES);
    if (shared && (r.prot & pico::kProtWrite) && !file->writable()) return err(EACCES);
    file.reset();
  }
  if (!file && !shared) {
    TRY(map_fixed(task, vma));
    return static_cast<long>(addr);
  }
  if (!file) {
    // Shared anonymous memory is a deleted file as on Linux (shmem behind
    // "/dev/zero (deleted)"): a host memfd, so that the pages stay shared
    // with every later mapping of them (mremap, and fork once it exists).
    vma.file = TRY(make_shared_anon_file(r.len));
    vma.host_file = true;
    abi::Stat st = TRY(vma.file->stat());
    vma.name = "/dev/zero (deleted)";
    vma.dev = 1;  // Linux shows shmem as 00:01
    vma.inode = st.st_ino;
    TRY(map_fixed_host_file(task, vma));
    return static_cast<long>(addr);
  }

  if (file->status_flags() & kOpenPath) return err(EBADF);
  if (!file->readable()) return err(EACCES);
  if (shared && (r.prot & pico::kProtWrite) && !file->writable()) return err(EACCES);
  if (file->is_directory()) return err(ENODEV);
  if ((r.prot & pico::kProtExec) && file->mount_noexec()) return err(EPERM);  // do_mmap(): path_noexec
  // Files with a host descriptor are mapped by the host itself: shared
  // mappings write to the file and see its changes, private ones are
  // copy-on-write pages of it. Files without one (in-memory filesystems)
  // get a private copy, which is exact for MAP_PRIVATE and for MAP_SHARED
  // of a file not open for writing (it can never be made writable).
  const bool host_map = file->host_fd_for_mmap() >= 0 && (shared || kPrivateFileMapsOnHost);
  if (shared && file->writable() && !host_map) return err(ENODEV);
  vma.may_write = !shared || file->writable();
  abi::Stat st = TRY(file->stat());
  vma.name = file->guest_path();
  vma.offset = r.offset;
  vma.dev = st.st_dev;
  vma.inode = st.st_ino;
  vma.file = file;
  vma.host_file = host_map;
  Result<void> res = host_map ? map_fixed_host_file(task, vma) : map_fixed_from_file(task, vma, *file);
  if (!res.ok() && host_map && !shared && res.error() == ENODEV) {
    // Some host files read fine but cannot be mapped: a copy is exact here.
    vma.host_file = false;
    res = map_fixed_from_file(task, vma, *file);
  }
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
// bytes again for a private file mapping. Shared pages are the file's: they
// stay as they are (MADV_DONTNEED only drops the page table entries).
Result<void> discard_pages(Task& task, const Vma& piece) {
  if (piece.shared && piece.host_file) return {};
  return map_like(task, piece);
}

// MADV_REMOVE: frees the file's backing store, as fallocate(PUNCH_HOLE).
Result<void> remove_pages(const Vma& piece) {
  int fd = piece.file && piece.host_file ? piece.file->host_fd_for_mmap() : -1;
  if (fd < 0) return err(EOPNOTSUPP);
  if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(piece.offset),
                static_cast<off_t>(piece.end - piece.start)) != 0)
    return err(errno);
  return {};
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
  if (advice == kMadvRemove) {
    for (const Vma& v : mm.vmas_in(start, end)) TRY(remove_pages(v));
  }
  if (advice == kMadvDontNeed) {
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

// Moves [old, old+old_len) to new_addr, growing to new_len; the host has no
// page remapping, so the bytes are copied.
Result<long> move_mapping(Task& task, const Vma& vma, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
                          uint64_t new_len, bool dont_unmap) {
  pico::Thread& t = task.thread();
  const uint64_t keep = std::min(old_len, new_len);
  Vma moved = extension_of(vma, old_addr, old_addr + new_len);
  moved.start = new_addr;
  moved.end = new_addr + new_len;
  MemoryMap& mm = task.tg().mm();
  if (vma.shared && vma.host_file) {
    // The pages are the file's: mapping it again at the new place moves them.
    TRY(map_fixed_host_file(task, moved));
    if (dont_unmap) return static_cast<long>(new_addr);  // the old range keeps showing the file
    TRY(unmap_range(task, old_addr, old_addr + old_len));
    return static_cast<long>(new_addr);
  }
  Result<void> r;
  if (vma.host_file) {
    // Private file pages: the file again, then the process's own changes.
    Vma writable = moved;
    writable.prot |= pico::kProtRead | pico::kProtWrite;
    r = t.map_file(new_addr, new_len, writable.prot, false, vma.file->host_fd_for_mmap(), moved.offset);
  } else {
    r = t.map_anonymous(new_addr, new_len, vma.prot | pico::kProtRead | pico::kProtWrite);
  }
  if (!r.ok()) return err(r.error());
  if (!(vma.prot & pico::kProtRead)) r = t.protect(old_addr, old_len, vma.prot | pico::kProtRead);
  if (r.ok()) r = copy_guest(task, new_addr, old_addr, keep);
  if (r.ok() && new_len > keep && moved.file && !moved.host_file) {
    Vma tail = extension_of(moved, new_addr + keep, new_addr + new_len);
    r = copy_file_to_guest(task, tail.start, tail.end - tail.start, *tail.file, tail.offset);
  }
  if (r.ok()) r = t.protect(new_addr, new_len, vma.prot);
  if (!(vma.prot & pico::kProtRead)) (void)t.protect(old_addr, old_len, vma.prot);
  if (!r.ok()) {
    (void)t.unmap(new_addr, new_len);
    mm.remove(new_addr, new_addr + new_len);
    return err(r.error());
  }
  mm.remove(new_addr, new_addr + new_len);
  mm.insert(moved);
  // MREMAP_DONTUNMAP leaves the old range mapped but empty.
  if (dont_unmap)
    TRY(map_like(task, extension_of(vma, old_addr, old_addr + old_len)));
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

// ---- msync / mincore ----------------------------------------------------------

constexpr uint64_t kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;

Result<long> sys_msync(Task& task, const SyscallArgs& a) {
  uint64_t start = a[0], len = a[1], flags = a[2];
  // mm/msync.c, in its order.
  if (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) return err(EINVAL);
  if (!page_aligned(start)) return err(EINVAL);
  if ((flags & kMsAsync) && (flags & kMsSync)) return err(EINVAL);
  uint64_t end = 0;
  if (!page_up(len, &len) || __builtin_add_overflow(start, len, &end)) return err(ENOMEM);
  if (end == start) return 0;
  MemoryMap& mm = task.tg().mm();
  // Stores to shared host mappings are in the host's page cache at once,
  // so read(2) already sees them; MS_SYNC additionally asks for the disk.
  if (flags & kMsSync) {
    std::vector<int> synced;
    for (const Vma& v : mm.vmas_in(start, end)) {
      if (!v.shared || !v.host_file || !v.file) continue;
      int fd = v.file->host_fd_for_mmap();
      if (fd < 0 || std::find(synced.begin(), synced.end(), fd) != synced.end()) continue;
      if (fdatasync(fd) != 0 && errno != EINVAL && errno != EROFS) return err(EIO);
      synced.push_back(fd);
    }
  }
  // Holes are reported after the mapped parts were handled, like Linux.
  if (!mm.covered(start, end)) return err(ENOMEM);
  return 0;
}

Result<long> sys_mincore(Task& task, const SyscallArgs& a) {
  uint64_t start = a[0], len = a[1], vec = a[2];
  if (!page_aligned(start)) return err(EINVAL);
  uint64_t end = 0;
  // access_ok() on [start, start+len): outside user space is ENOMEM here.
  if (__builtin_add_overflow(start, len, &end) || end > MemoryMap::kUserEnd) return err(ENOMEM);
  uint64_t pages = (len >> 12) + ((len & (kPageSize - 1)) != 0);
  if (pages == 0) return 0;
  MemoryMap& mm = task.tg().mm();
  // Linux fills the vector a chunk at a time and stops at the first hole
  // (ENOMEM) or unwritable byte (EFAULT); whole-range checks first give the
  // same errors as long as the vector is valid.
  constexpr uint64_t kChunk = 4096;
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(pages, kChunk)));
  for (uint64_t done = 0; done < pages;) {
    const uint64_t n = std::min(pages - done, kChunk);
    const uint64_t s = start + done * kPageSize, e = s + n * kPageSize;
    if (!mm.covered(s, e)) {
      // The pages before the hole are still reported.
      uint64_t ok = 0;
      while (ok < n && mm.find(s + ok * kPageSize)) ++ok;
      if (ok) {
        TRY(task.tg().pico().residency(s, ok, buf.data()));
        TRY(task.tg().pico().write_memory(vec + done, buf.data(), static_cast<size_t>(ok)));
      }
      return err(ENOMEM);
    }
    TRY(task.tg().pico().residency(s, n, buf.data()));
    TRY(task.tg().pico().write_memory(vec + done, buf.data(), static_cast<size_t>(n)));
    done += n;
  }
  return 0;
}

}  // namespace

void register_memory(SyscallTable& t) {
  t.add(26, "msync", Support::Full, sys_msync, {Arg::Ptr, Arg::Size, Arg::Hex});
  t.add(27, "mincore", Support::Partial, sys_mincore, {Arg::Ptr, Arg::Size, Arg::Ptr},
        "residency is the page table's (present or swapped); page-cache pages not mapped yet count as absent");
  t.add(12, "brk", Support::Partial, sys_brk, {Arg::Ptr}, "RLIMIT_DATA is not enforced", true);
  t.add(9, "mmap", Support::Partial, sys_mmap,
        {Arg::Ptr, Arg::Size, Arg::Prot, Arg::MapFlags, Arg::Fd, Arg::Hex},
        "files without a host fd (in-memory filesystems) are mapped as private copies, and MAP_SHARED of "
        "them is ENODEV when the fd is writable",
        true);
  t.add(11, "munmap", Support::Full, sys_munmap, {Arg::Ptr, Arg::Size});
  t.add(10, "mprotect", Support::Full, sys_mprotect, {Arg::Ptr, Arg::Size, Arg::Prot});
  t.add(25, "mremap", Support::Partial, sys_mremap, {Arg::Ptr, Arg::Size, Arg::Size, Arg::Hex, Arg::Ptr},
        "moving copies the bytes (no page remapping in the pico interface); old_size 0 is EINVAL", true);
  t.add(28, "madvise", Support::Partial, sys_madvise, {Arg::Ptr, Arg::Size, Arg::Int},
        "MADV_DONTNEED discards pages; other advice is accepted and ignored");
}

}  // namespace lx
