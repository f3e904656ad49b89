#include "kernel/exec/ElfLoader.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "kernel/mm/AddressSpace.h"

namespace lx {

namespace {

constexpr uint64_t kMaxPhdrBytes = 65536;  // Linux's cap on the program header table
constexpr uint64_t kMaxInterpPath = 4096;  // PATH_MAX

// Reads exactly len bytes at off; a short read is EIO, as Linux's elf_read().
Result<void> read_exact(OpenFile& file, void* dst, uint64_t len, uint64_t off) {
  if (off > static_cast<uint64_t>(INT64_MAX)) return err(EIO);
  uint64_t got = TRY(file.pread(std::span<uint8_t>(static_cast<uint8_t*>(dst), static_cast<size_t>(len)),
                                static_cast<int64_t>(off)));
  if (got != len) return err(EIO);
  return {};
}

int prot_of(uint32_t pflags) {
  int prot = 0;
  if (pflags & elf::kPfR) prot |= pico::kProtRead;
  if (pflags & elf::kPfW) prot |= pico::kProtWrite;
  if (pflags & elf::kPfX) prot |= pico::kProtExec;
  return prot;
}

Result<void> check_header(const elf::Ehdr& eh, int bad) {
  if (std::memcmp(eh.ident, elf::kMagic, sizeof elf::kMagic) != 0) return err(bad);
  if (eh.ident[elf::kIdentClass] != elf::kClass64 || eh.ident[elf::kIdentData] != elf::kDataLsb) return err(bad);
  if (eh.type != elf::kTypeExec && eh.type != elf::kTypeDyn) return err(bad);
  if (eh.machine != elf::kMachineX86_64) return err(bad);
  if (eh.phentsize != sizeof(elf::Phdr)) return err(bad);
  if (eh.phnum < 1 || eh.phnum > kMaxPhdrBytes / sizeof(elf::Phdr)) return err(bad);
  uint64_t table_end = 0;
  if (__builtin_add_overflow(eh.phoff, uint64_t{eh.phnum} * sizeof(elf::Phdr), &table_end) ||
      table_end > static_cast<uint64_t>(INT64_MAX))
    return err(bad);
  return {};
}

// A PT_LOAD must describe memory the process could have: no size that
// wraps, file bytes inside memory bytes, and offset congruent to address
// (Linux maps file pages; we copy, but keep the same contract).
Result<void> check_load(const elf::Phdr& p, int bad) {
  uint64_t end = 0, mem_end = 0;
  if (p.filesz > p.memsz) return err(bad);
  if (__builtin_add_overflow(p.offset, p.filesz, &end) || end > static_cast<uint64_t>(INT64_MAX)) return err(bad);
  if (__builtin_add_overflow(p.vaddr, p.memsz, &end) || end > MemoryMap::kUserEnd) return err(bad);
  if (!page_up(end, &mem_end)) return err(bad);
  if ((p.offset & (kPageSize - 1)) != (p.vaddr & (kPageSize - 1))) return err(bad);
  return {};
}

Result<std::string> read_interp(OpenFile& file, const elf::Phdr& p, int bad) {
  if (p.filesz < 2 || p.filesz > kMaxInterpPath) return err(bad);
  std::string path(static_cast<size_t>(p.filesz), '\0');
  TRY(read_exact(file, path.data(), p.filesz, p.offset));
  if (path.back() != '\0') return err(bad);
  path.resize(std::strlen(path.c_str()));
  if (path.empty()) return err(bad);
  return path;
}

}  // namespace

Result<ElfFile> read_elf(OpenFile& file, int bad) {
  ElfFile out;
  uint64_t got = TRY(file.pread(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&out.ehdr), sizeof out.ehdr), 0));
  if (got < sizeof out.ehdr) return err(bad);
  TRY(check_header(out.ehdr, bad));
  out.phdrs.resize(out.ehdr.phnum);
  TRY(read_exact(file, out.phdrs.data(), out.phdrs.size() * sizeof(elf::Phdr), out.ehdr.phoff));

  bool any_load = false, have_interp = false;
  out.min_vaddr = UINT64_MAX;
  for (const elf::Phdr& p : out.phdrs) {
    if (p.type == elf::kPtInterp && !have_interp) {
      out.interp = TRY(read_interp(file, p, bad));
      have_interp = true;
    }
    if (p.type == elf::kPtGnuStack) out.exec_stack = (p.flags & elf::kPfX) != 0;
    if (p.type != elf::kPtLoad) continue;
    TRY(check_load(p, bad));
    if (p.memsz == 0) continue;
    uint64_t end = 0;
    (void)page_up(p.vaddr + p.memsz, &end);  // check_load proved this cannot overflow
    out.min_vaddr = std::min(out.min_vaddr, page_down(p.vaddr));
    out.max_end = std::max(out.max_end, end);
    any_load = true;
  }
  if (!any_load) return err(bad);
  return out;
}

Result<uint64_t> choose_load_bias(const MemoryMap& mm, const ElfFile& elf, uint64_t preferred) {
  if (!elf.is_dyn()) {
    if (!mm.usable(elf.min_vaddr, elf.max_end) || !mm.is_free(elf.min_vaddr, elf.max_end)) return err(ENOMEM);
    return uint64_t{0};
  }
  const uint64_t span = elf.max_end - elf.min_vaddr;
  if (preferred != 0) {
    uint64_t start = page_down(preferred), end = 0;
    if (!__builtin_add_overflow(start, span, &end) && mm.usable(start, end) && mm.is_free(start, end))
      return start - elf.min_vaddr;
  }
  uint64_t start = TRY(mm.find_free(span));
  return start - elf.min_vaddr;  // may wrap: vaddr + bias is what matters
}

namespace {

Result<void> load_segment(Task& task, const elf::Phdr& p, const OpenFileRef& file, const abi::Stat& st,
                          const std::string& name, uint64_t bias) {
  MemoryMap& mm = task.tg().mm();
  pico::Thread& t = task.thread();
  const uint64_t vaddr = bias + p.vaddr;
  const uint64_t map_start = page_down(vaddr);
  const uint64_t pad = vaddr - map_start;
  uint64_t mem_end = 0, file_map_end = map_start;
  if (__builtin_add_overflow(vaddr, p.memsz, &mem_end) || !page_up(mem_end, &mem_end)) return err(ENOMEM);
  if (p.filesz != 0 && !page_up(vaddr + p.filesz, &file_map_end)) return err(ENOMEM);
  if (!mm.usable(map_start, mem_end)) return err(ENOMEM);

  const int prot = prot_of(p.flags);
  const uint64_t len = mem_end - map_start;
  const int host_fd = file->host_fd_for_mmap();
  Result<void> r;
  if (host_fd >= 0 && p.filesz != 0) {
    // As Linux's elf_map(): the file's pages mapped privately (no copy), the
    // bss part of the last file page zeroed, anonymous pages after it.
    const bool bss = p.memsz > p.filesz;
    r = t.map_file(map_start, file_map_end - map_start, bss ? prot | pico::kProtWrite : prot, false, host_fd,
                   p.offset - pad);
    if (r.ok() && bss) {
      const uint64_t zero_from = vaddr + p.filesz;
      if (file_map_end > zero_from) {
        std::vector<uint8_t> zeros(static_cast<size_t>(file_map_end - zero_from), 0);
        r = task.tg().pico().write_memory(zero_from, zeros.data(), zeros.size());
      }
      if (r.ok() && mem_end > file_map_end) r = t.map_anonymous(file_map_end, mem_end - file_map_end, prot);
      if (r.ok() && !(prot & pico::kProtWrite)) r = t.protect(map_start, file_map_end - map_start, prot);
    }
    if (!r.ok()) {
      (void)t.unmap(map_start, len);
      mm.remove(map_start, mem_end);
      return r;
    }
  } else {
    TRY(t.map_anonymous(map_start, len, prot | pico::kProtWrite));
  }
  if (host_fd < 0 && p.filesz != 0) {
    // Whole file pages, as a file mapping would show them, except that the
    // tail of the last one is bss (zero) when the segment has bss.
    uint64_t copy_len = p.memsz > p.filesz ? pad + p.filesz : file_map_end - map_start;
    r = copy_file_to_guest(task, map_start, copy_len, *file, p.offset - pad);
  }
  if (r.ok() && (host_fd < 0 || p.filesz == 0) && !(prot & pico::kProtWrite)) r = t.protect(map_start, len, prot);
  if (!r.ok()) {
    (void)t.unmap(map_start, len);
    mm.remove(map_start, mem_end);
    return r;
  }

  mm.remove(map_start, mem_end);
  if (file_map_end > map_start) {
    Vma v = make_vma(map_start, file_map_end, prot, name);
    v.offset = p.offset - pad;
    v.dev = st.st_dev;
    v.inode = st.st_ino;
    v.file = file;
    v.host_file = host_fd >= 0;
    mm.insert(v);
  }
  if (mem_end > file_map_end) mm.insert(make_vma(file_map_end, mem_end, prot));
  return {};
}

uint64_t phdr_address(const ElfFile& elf, uint64_t bias) {
  const uint64_t phoff = elf.ehdr.phoff;
  for (const elf::Phdr& p : elf.phdrs)
    if (p.type == elf::kPtLoad && p.offset <= phoff && phoff - p.offset < p.filesz) return bias + p.vaddr + (phoff - p.offset);
  for (const elf::Phdr& p : elf.phdrs)
    if (p.type == elf::kPtPhdr) return bias + p.vaddr;
  return 0;
}

}  // namespace

Result<LoadedElf> load_elf(Task& task, const ElfFile& elf, const OpenFileRef& file, const std::string& name,
                           uint64_t bias) {
  abi::Stat st = TRY(file->stat());
  LoadedElf out;
  out.bias = bias;
  out.entry = bias + elf.ehdr.entry;
  out.phdr = phdr_address(elf, bias);
  for (const elf::Phdr& p : elf.phdrs) {
    if (p.type != elf::kPtLoad || p.memsz == 0) continue;
    TRY(load_segment(task, p, file, st, name, bias));
    out.end = std::max(out.end, bias + p.vaddr + p.memsz);
  }
  return out;
}

}  // namespace lx
