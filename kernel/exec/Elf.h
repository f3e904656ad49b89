// ELF64 file structures and the constants the loader needs (System V gABI and
// the x86-64 psABI). Spelled out here so the kernel needs no host <elf.h>.
#pragma once

#include <cstdint>

namespace lx::elf {

struct Ehdr {
  uint8_t ident[16];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(Ehdr) == 64);

struct Phdr {
  uint32_t type;
  uint32_t flags;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
};
static_assert(sizeof(Phdr) == 56);

constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr int kIdentClass = 4, kIdentData = 5;
constexpr uint8_t kClass64 = 2, kDataLsb = 1;
constexpr uint16_t kTypeExec = 2, kTypeDyn = 3;
constexpr uint16_t kMachineX86_64 = 62;

constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6, kPtGnuStack = 0x6474e551;
constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

// Auxiliary vector types (include/uapi/linux/auxvec.h, asm/auxvec.h).
enum AuxType : uint64_t {
  kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6, kAtBase = 7, kAtFlags = 8,
  kAtEntry = 9, kAtUid = 11, kAtEuid = 12, kAtGid = 13, kAtEgid = 14, kAtPlatform = 15, kAtHwcap = 16,
  kAtClktck = 17, kAtSecure = 23, kAtRandom = 25, kAtHwcap2 = 26, kAtExecfn = 31, kAtSysinfoEhdr = 33,
  kAtMinsigstksz = 51,
};

}  // namespace lx::elf
