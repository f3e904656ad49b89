// The kernel-owned list of a process's mappings (VMAs). The host only ever
// receives fixed-address requests computed from this map, so layout, brk and
// /proc/<pid>/maps are the kernel's decisions, not the host's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernel/base/Result.h"
#include "kernel/base/UserMemory.h"
#include "kernel/vfs/OpenFile.h"
#include "pico/Host.h"

namespace lx {

constexpr uint64_t kPageSize = 4096;
inline uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }
inline bool page_aligned(uint64_t a) { return (a & (kPageSize - 1)) == 0; }
// Rounds up; returns false on overflow.
inline bool page_up(uint64_t a, uint64_t* out) {
  if (a > ~0ull - (kPageSize - 1)) return false;
  *out = (a + kPageSize - 1) & ~(kPageSize - 1);
  return true;
}

struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  int prot = 0;          // pico::Prot bits
  bool shared = false;
  // False for shared mappings of files not open for writing: mprotect may
  // not add PROT_WRITE to them (Linux's missing VM_MAYWRITE).
  bool may_write = true;
  std::string name;      // "[heap]", "[stack]", a file path, or empty
  // File identity for /proc/self/maps, and the file itself so MADV_DONTNEED
  // can bring a private file mapping back to the file's contents.
  uint64_t offset = 0;   // file offset of `start`
  uint64_t dev = 0;      // Linux dev_t encoding (major << 8 | minor for small numbers)
  uint64_t inode = 0;
  OpenFileRef file;
  // The host maps `file` itself (Thread::map_file): pages follow the file
  // (shared ones write to it), so recreating pages means mapping it again,
  // and moving must not turn them into copies.
  bool host_file = false;
};

inline Vma make_vma(uint64_t start, uint64_t end, int prot, std::string name = {}) {
  Vma v;
  v.start = start;
  v.end = end;
  v.prot = prot;
  v.name = std::move(name);
  return v;
}

class MemoryMap {
 public:
  // Lowest address a guest may map (vm.mmap_min_addr).
  static constexpr uint64_t kMinAddr = 0x10000;
  // TASK_SIZE: one past the highest user address.
  static constexpr uint64_t kUserEnd = GuestMemory::kUserEnd;

  void set_reserved(std::vector<pico::Range> r) { reserved_ = std::move(r); }
  const std::vector<pico::Range>& reserved() const { return reserved_; }
  void set_mmap_base(uint64_t b) { mmap_base_ = b; }
  uint64_t mmap_base() const { return mmap_base_; }

  // True if [start,end) is inside the guest range and clear of reserved ranges.
  bool usable(uint64_t start, uint64_t end) const;
  // True if no VMA overlaps [start,end).
  bool is_free(uint64_t start, uint64_t end) const;
  // Highest free, usable gap of len bytes below mmap_base (top-down, like Linux).
  Result<uint64_t> find_free(uint64_t len) const;
  // Same, limited to [lo, hi) (MAP_32BIT, loaders' preferred windows).
  Result<uint64_t> find_free_in(uint64_t len, uint64_t lo, uint64_t hi) const;

  void insert(const Vma& v);  // caller removed overlaps first; merges with equal neighbours
  void remove(uint64_t start, uint64_t end);  // splits partially covered VMAs
  // ENOMEM if any page of [start,end) is unmapped, like mprotect(2).
  Result<void> protect(uint64_t start, uint64_t end, int prot);
  // True if every byte of [start,end) is covered by some VMA.
  bool covered(uint64_t start, uint64_t end) const;
  const Vma* find(uint64_t addr) const;
  std::vector<Vma> vmas() const;
  // The VMAs intersecting [start,end), clipped to it.
  std::vector<Vma> vmas_in(uint64_t start, uint64_t end) const;
  void clear() { vmas_.clear(); }

  // The text of /proc/self/maps for this map.
  std::string render_proc_maps() const;

  // brk area: [brk_start, brk_end) is the heap; brk_end is the unrounded
  // value the guest last set, as Linux's mm->brk.
  uint64_t brk_start = 0;
  uint64_t brk_end = 0;

 private:
  // Splits the VMA containing addr (if any) so that a VMA starts at addr.
  void split_at(uint64_t addr);
  // Merges the VMA starting at `start` with its neighbours where compatible.
  void merge_around(uint64_t start);

  std::map<uint64_t, Vma> vmas_;  // keyed by start
  std::vector<pico::Range> reserved_;
  uint64_t mmap_base_ = 0x7f0000000000ull;
};

}  // namespace lx
