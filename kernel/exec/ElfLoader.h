// Reading and mapping ELF64 x86-64 images (the program and its PT_INTERP).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel/Task.h"
#include "kernel/exec/Elf.h"
#include "kernel/vfs/OpenFile.h"

namespace lx {

struct ElfFile {
  elf::Ehdr ehdr{};
  std::vector<elf::Phdr> phdrs;
  std::string interp;     // PT_INTERP path; empty for static programs
  uint64_t min_vaddr = 0;  // page-rounded extent of the PT_LOAD segments
  uint64_t max_end = 0;
  // PT_GNU_STACK asks for PF_X: the process stack is mapped executable (as
  // Linux's EXSTACK_ENABLE_X). Without the header x86-64 stacks stay NX.
  bool exec_stack = false;
  bool is_dyn() const { return ehdr.type == elf::kTypeDyn; }
};

// Reads and validates the headers. `bad` is the errno for a malformed
// image: ENOEXEC for the program itself, ELIBBAD for its interpreter.
// Every size and offset is checked for overflow before use.
Result<ElfFile> read_elf(OpenFile& file, int bad);

// Where the image's vaddr 0 goes. ET_EXEC: 0 (its addresses are absolute).
// ET_DYN: `preferred` if its span fits there, else the top-down search.
Result<uint64_t> choose_load_bias(const MemoryMap& mm, const ElfFile& elf, uint64_t preferred);

struct LoadedElf {
  uint64_t bias = 0;
  uint64_t entry = 0;
  uint64_t phdr = 0;  // guest address of the program headers (AT_PHDR)
  uint64_t end = 0;   // highest p_vaddr + p_memsz, biased (start of brk)
};

// Maps every PT_LOAD at bias: fresh writable pages, file bytes copied in,
// bss left zero, then the segment's own protection. VMAs carry `name`.
Result<LoadedElf> load_elf(Task& task, const ElfFile& elf, const OpenFileRef& file, const std::string& name,
                           uint64_t bias);

}  // namespace lx
