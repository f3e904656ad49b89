#include "kernel/mm/AddressSpace.h"

#include <algorithm>
#include <vector>

namespace lx {

Result<void> map_fixed(Task& task, const Vma& vma) {
  TRY(task.thread().map_anonymous(vma.start, vma.end - vma.start, vma.prot));
  MemoryMap& mm = task.tg().mm();
  mm.remove(vma.start, vma.end);
  mm.insert(vma);
  return {};
}

Result<void> copy_file_to_guest(Task& task, uint64_t addr, uint64_t len, OpenFile& file, uint64_t offset) {
  constexpr uint64_t kChunk = 64ull * 1024;
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(len, kChunk)));
  uint64_t done = 0;
  while (done < len) {
    uint64_t off = 0;
    if (__builtin_add_overflow(offset, done, &off) || off > static_cast<uint64_t>(INT64_MAX)) return err(EOVERFLOW);
    uint64_t want = std::min(len - done, kChunk);
    uint64_t got = TRY(file.pread(std::span<uint8_t>(buf.data(), static_cast<size_t>(want)), static_cast<int64_t>(off)));
    if (got == 0) break;  // end of file: the remaining bytes stay zero
    if (got > want) return err(EIO);
    TRY(task.tg().pico().write_memory(addr + done, buf.data(), static_cast<size_t>(got)));
    done += got;
  }
  return {};
}

Result<void> map_fixed_from_file(Task& task, const Vma& vma, OpenFile& file) {
  uint64_t len = vma.end - vma.start;
  pico::Thread& t = task.thread();
  int fill_prot = vma.prot | pico::kProtWrite;
  TRY(t.map_anonymous(vma.start, len, fill_prot));
  MemoryMap& mm = task.tg().mm();
  // From here the old contents are gone on the host; a failure must leave
  // the range unmapped in both views rather than half-filled.
  Result<void> r = copy_file_to_guest(task, vma.start, len, file, vma.offset);
  if (r.ok() && fill_prot != vma.prot) r = t.protect(vma.start, len, vma.prot);
  if (!r.ok()) {
    (void)t.unmap(vma.start, len);
    mm.remove(vma.start, vma.end);
    return r;
  }
  mm.remove(vma.start, vma.end);
  mm.insert(vma);
  return {};
}

Result<void> map_fixed_host_file(Task& task, const Vma& vma) {
  if (!vma.file || !vma.host_file) return err(EINVAL);
  const int fd = vma.file->host_fd_for_mmap();
  if (fd < 0) return err(ENODEV);
  TRY(task.thread().map_file(vma.start, vma.end - vma.start, vma.prot, vma.shared, fd, vma.offset));
  MemoryMap& mm = task.tg().mm();
  mm.remove(vma.start, vma.end);
  mm.insert(vma);
  return {};
}

Result<void> map_like(Task& task, const Vma& vma) {
  if (vma.host_file) return map_fixed_host_file(task, vma);
  if (vma.file) return map_fixed_from_file(task, vma, *vma.file);
  return map_fixed(task, vma);
}

Result<void> unmap_range(Task& task, uint64_t start, uint64_t end) {
  MemoryMap& mm = task.tg().mm();
  for (const Vma& v : mm.vmas_in(start, end)) {
    TRY(task.thread().unmap(v.start, v.end - v.start));
    mm.remove(v.start, v.end);
  }
  return {};
}

Result<void> protect_range(Task& task, uint64_t start, uint64_t end, int prot) {
  MemoryMap& mm = task.tg().mm();
  if (!mm.covered(start, end)) return err(ENOMEM);
  if (prot & pico::kProtWrite)
    for (const Vma& v : mm.vmas_in(start, end))
      if (!v.may_write) return err(EACCES);
  TRY(task.thread().protect(start, end - start, prot));
  return mm.protect(start, end, prot);
}

Result<void> unmap_all(Task& task) {
  MemoryMap& mm = task.tg().mm();
  for (const Vma& v : mm.vmas()) TRY(task.thread().unmap(v.start, v.end - v.start));
  mm.clear();
  mm.brk_start = mm.brk_end = 0;
  return {};
}

}  // namespace lx
