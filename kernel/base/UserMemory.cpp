#include "kernel/base/UserMemory.h"

#include <cstring>

#include "kernel/mm/MemoryMap.h"

namespace lx {

Result<void> GuestMemory::check_range(uint64_t addr, uint64_t len) const {
  uint64_t end = 0;
  if (__builtin_add_overflow(addr, len, &end) || end > kUserEnd) return err(EFAULT);
  if (len == 0) return {};
  for (const auto& r : proc_.reserved())
    if (r.overlaps(addr, end)) return err(EFAULT);
  return {};
}

Result<void> GuestMemory::copy_in(uint64_t addr, void* dst, uint64_t len) const {
  if (len == 0) return {};
  TRY(check_range(addr, len));
  return proc_.read_memory(addr, dst, len);
}

Result<void> GuestMemory::copy_out(uint64_t addr, const void* src, uint64_t len) const {
  if (len == 0) return {};
  TRY(check_range(addr, len));
  if (deferrable(addr, len)) return proc_.write_memory_deferred(addr, src, len);
  return proc_.write_memory(addr, src, len);
}

bool GuestMemory::deferrable(uint64_t addr, uint64_t len) const {
  if (!map_) return false;
  const Vma* v = map_->find(addr);
  // Private mappings of files too: their pages are copies once written. A
  // page past the end of the file would fault later instead of now; both
  // give EFAULT.
  return v && addr + len <= v->end && (v->prot & pico::kProtWrite) && !v->shared;
}

Result<std::string> GuestMemory::read_string(uint64_t addr, uint64_t max_len) const {
  std::string out;
  // Read in page-bounded chunks so a string ending just before an unmapped
  // page is still readable.
  while (out.size() <= max_len) {
    uint64_t cur = addr + out.size();
    uint64_t chunk = 4096 - (cur & 4095);
    if (chunk > 256 && out.empty()) chunk = std::min<uint64_t>(chunk, 256);
    char buf[4096];
    TRY(check_range(cur, 1));
    if (cur + chunk > kUserEnd) chunk = kUserEnd - cur;
    size_t got = proc_.read_memory_partial(cur, buf, chunk);
    if (got == 0) return err(EFAULT);
    const void* nul = std::memchr(buf, 0, got);
    if (nul) {
      out.append(buf, static_cast<const char*>(nul) - buf);
      if (out.size() > max_len) return err(ENAMETOOLONG);
      return out;
    }
    out.append(buf, got);
  }
  return err(ENAMETOOLONG);
}

}  // namespace lx
