// The kernel-owned list of a process's mappings (VMAs). The host only ever
// receives fixed-address requests computed from this map, so layout, brk and
// /proc/<pid>/maps are the kernel's decisions, not the host's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernel/base/Result.h"
#include "pico/Host.h"

namespace lx {

constexpr uint64_t kPageSize = 4096;
inline uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }
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
  std::string name;      // "[heap]", "[stack]", a file path, or empty
};

class MemoryMap {
 public:
  // Lowest address a guest may map (vm.mmap_min_addr).
  static constexpr uint64_t kMinAddr = 0x10000;

  void set_reserved(std::vector<pico::Range> r) { reserved_ = std::move(r); }
  void set_mmap_base(uint64_t b) { mmap_base_ = b; }
  uint64_t mmap_base() const { return mmap_base_; }

  // True if [start,end) is inside the guest range and clear of reserved ranges.
  bool usable(uint64_t start, uint64_t end) const;
  // True if no VMA overlaps [start,end).
  bool is_free(uint64_t start, uint64_t end) const;
  // Highest free, usable gap of len bytes below mmap_base (top-down, like Linux).
  Result<uint64_t> find_free(uint64_t len) const;

  void insert(const Vma& v);  // caller removed overlaps first
  void remove(uint64_t start, uint64_t end);  // splits partially covered VMAs
  // ENOMEM if any page of [start,end) is unmapped, like mprotect(2).
  Result<void> protect(uint64_t start, uint64_t end, int prot);
  const Vma* find(uint64_t addr) const;
  std::vector<Vma> vmas() const;

  // brk area
  uint64_t brk_start = 0;
  uint64_t brk_end = 0;

 private:
  std::map<uint64_t, Vma> vmas_;  // keyed by start
  std::vector<pico::Range> reserved_;
  uint64_t mmap_base_ = 0x7f0000000000ull;
};

}  // namespace lx
