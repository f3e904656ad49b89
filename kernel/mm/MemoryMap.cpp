#include "kernel/mm/MemoryMap.h"

#include <cinttypes>
#include <cstdio>

namespace lx {

bool MemoryMap::usable(uint64_t start, uint64_t end) const {
  if (start >= end || start < kMinAddr || end > kUserEnd) return false;
  for (const auto& r : reserved_)
    if (r.overlaps(start, end)) return false;
  return true;
}

bool MemoryMap::is_free(uint64_t start, uint64_t end) const {
  auto it = vmas_.lower_bound(end);  // first VMA starting at or after end: cannot overlap
  if (it == vmas_.begin()) return true;
  --it;
  return it->second.end <= start;
}

Result<uint64_t> MemoryMap::find_free(uint64_t len) const { return find_free_in(len, kMinAddr, mmap_base_); }

Result<uint64_t> MemoryMap::find_free_in(uint64_t len, uint64_t lo, uint64_t hi) const {
  if (len == 0 || !page_aligned(len)) return err(EINVAL);
  lo = lo < kMinAddr ? kMinAddr : lo;
  hi = page_down(hi > kUserEnd ? kUserEnd : hi);
  uint64_t end = hi;
  // Each round either succeeds or moves `end` down to the start of an
  // obstacle inside the window, so the loop ends after at most one round
  // per VMA and reserved range.
  while (end >= lo && end - lo >= len) {
    uint64_t start = end - len;
    uint64_t obstacle = UINT64_MAX;
    auto it = vmas_.lower_bound(end);
    if (it != vmas_.begin()) {
      --it;
      if (it->second.end > start) obstacle = it->second.start;
    }
    for (const auto& r : reserved_)
      if (r.overlaps(start, end) && (obstacle == UINT64_MAX || r.start > obstacle)) obstacle = page_down(r.start);
    if (obstacle == UINT64_MAX) return start;
    end = obstacle;
  }
  return err(ENOMEM);
}

void MemoryMap::split_at(uint64_t addr) {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return;
  --it;
  Vma& v = it->second;
  if (v.start == addr || v.end <= addr) return;
  Vma upper = v;
  upper.start = addr;
  if (upper.inode != 0 || upper.file) upper.offset += addr - v.start;
  v.end = addr;
  vmas_.emplace(addr, std::move(upper));
}

static bool mergeable(const Vma& a, const Vma& b) {
  if (a.end != b.start || a.prot != b.prot || a.shared != b.shared || a.may_write != b.may_write ||
      a.name != b.name)
    return false;
  if (a.dev != b.dev || a.inode != b.inode || a.file != b.file || a.host_file != b.host_file) return false;
  bool file_backed = a.inode != 0 || a.file;
  return !file_backed || a.offset + (a.end - a.start) == b.offset;
}

void MemoryMap::merge_around(uint64_t start) {
  auto it = vmas_.find(start);
  if (it == vmas_.end()) return;
  auto next = std::next(it);
  if (next != vmas_.end() && mergeable(it->second, next->second)) {
    it->second.end = next->second.end;
    vmas_.erase(next);
  }
  if (it != vmas_.begin()) {
    auto prev = std::prev(it);
    if (mergeable(prev->second, it->second)) {
      prev->second.end = it->second.end;
      vmas_.erase(it);
    }
  }
}

void MemoryMap::insert(const Vma& v) {
  if (v.start >= v.end) return;
  vmas_[v.start] = v;
  merge_around(v.start);
}

void MemoryMap::remove(uint64_t start, uint64_t end) {
  if (start >= end) return;
  split_at(start);
  split_at(end);
  auto it = vmas_.lower_bound(start);
  while (it != vmas_.end() && it->first < end) it = vmas_.erase(it);
}

bool MemoryMap::covered(uint64_t start, uint64_t end) const {
  uint64_t cur = start;
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin()) --it;
  for (; cur < end && it != vmas_.end(); ++it) {
    if (it->second.end <= cur) continue;
    if (it->second.start > cur) return false;
    cur = it->second.end;
  }
  return cur >= end;
}

Result<void> MemoryMap::protect(uint64_t start, uint64_t end, int prot) {
  if (start >= end) return {};
  if (!covered(start, end)) return err(ENOMEM);
  split_at(start);
  split_at(end);
  std::vector<uint64_t> changed;
  for (auto it = vmas_.lower_bound(start); it != vmas_.end() && it->first < end; ++it) {
    it->second.prot = prot;
    changed.push_back(it->first);
  }
  for (uint64_t s : changed) merge_around(s);
  // A neighbour outside the range may now match the last changed piece.
  auto last = vmas_.upper_bound(end);
  if (last != vmas_.begin()) merge_around(std::prev(last)->first);
  return {};
}

const Vma* MemoryMap::find(uint64_t addr) const {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return it->second.end > addr ? &it->second : nullptr;
}

std::vector<Vma> MemoryMap::vmas() const {
  std::vector<Vma> out;
  out.reserve(vmas_.size());
  for (const auto& [start, v] : vmas_) out.push_back(v);
  return out;
}

std::vector<Vma> MemoryMap::vmas_in(uint64_t start, uint64_t end) const {
  std::vector<Vma> out;
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin()) --it;
  for (; it != vmas_.end() && it->first < end; ++it) {
    if (it->second.end <= start) continue;
    Vma v = it->second;
    if (v.start < start) {
      if (v.inode != 0 || v.file) v.offset += start - v.start;
      v.start = start;
    }
    if (v.end > end) v.end = end;
    out.push_back(std::move(v));
  }
  return out;
}

std::string MemoryMap::render_proc_maps() const {
  // show_map_vma(): the name starts after the fixed-width prefix is padded
  // to 72 columns, plus one separating space.
  constexpr size_t kNameColumn = 25 + sizeof(uint64_t) * 6 - 1;
  std::string out;
  for (const auto& [start, v] : vmas_) {
    char line[160];
    int n = std::snprintf(line, sizeof line, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64 " %02x:%02x %" PRIu64 " ",
                          v.start, v.end, (v.prot & pico::kProtRead) ? 'r' : '-',
                          (v.prot & pico::kProtWrite) ? 'w' : '-', (v.prot & pico::kProtExec) ? 'x' : '-',
                          v.shared ? 's' : 'p', v.offset, static_cast<unsigned>((v.dev >> 8) & 0xfff),
                          static_cast<unsigned>((v.dev & 0xff) | ((v.dev >> 12) & 0xfff00)), v.inode);
    std::string s(line, n > 0 ? static_cast<size_t>(n) : 0);
    if (!v.name.empty()) {
      if (s.size() < kNameColumn) s.append(kNameColumn - s.size(), ' ');
      s += ' ';
      s += v.name;
    }
    out += s;
    out += '\n';
  }
  return out;
}

}  // namespace lx
