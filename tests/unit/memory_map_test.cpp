// MemoryMap: the kernel's own VMA bookkeeping, independent of any host.
#include <gtest/gtest.h>

#include "kernel/mm/MemoryMap.h"

namespace {

using lx::MemoryMap;
using lx::make_vma;
constexpr int kR = pico::kProtRead, kW = pico::kProtWrite, kX = pico::kProtExec;

MemoryMap map_with_base(uint64_t base) {
  MemoryMap mm;
  mm.set_mmap_base(base);
  return mm;
}

TEST(MemoryMap, FindFreeIsTopDownBelowMmapBase) {
  MemoryMap mm = map_with_base(0x10000000);
  EXPECT_EQ(mm.find_free(0x2000).value(), 0x0fffe000u);
  mm.insert(make_vma(0x0fffe000, 0x10000000, kR | kW));
  EXPECT_EQ(mm.find_free(0x1000).value(), 0x0fffd000u);
  // A hole too small for the request is skipped, a large enough one is used.
  mm.insert(make_vma(0x0fff0000, 0x0fffc000, kR));
  EXPECT_EQ(mm.find_free(0x3000).value(), 0x0ffed000u);
  EXPECT_EQ(mm.find_free(0x2000).value(), 0x0fffc000u) << "an exact fit";
}

TEST(MemoryMap, FindFreeAvoidsReservedRangesAndLowMemory) {
  MemoryMap mm = map_with_base(0x20000000);
  mm.set_reserved({{0x1ff00000, 0x20000000}, {0x1fe00000, 0x1fe00800}});
  uint64_t a = mm.find_free(0x100000).value();
  EXPECT_EQ(a, 0x1fd00000u) << "each reserved range inside the window pushes the search below it";
  EXPECT_FALSE(mm.usable(0x1ff00000, 0x1ff01000));
  EXPECT_FALSE(mm.usable(0, 0x1000)) << "below mmap_min_addr";
  EXPECT_FALSE(mm.usable(MemoryMap::kUserEnd - 0x1000, MemoryMap::kUserEnd + 0x1000));

  MemoryMap tiny = map_with_base(0x30000);
  EXPECT_EQ(tiny.find_free(0x20000).value(), 0x10000u);
  EXPECT_EQ(tiny.find_free(0x30000).error(), ENOMEM);
}

TEST(MemoryMap, FindFreeInHonoursTheWindow) {
  MemoryMap mm;
  EXPECT_EQ(mm.find_free_in(0x1000, 0x40000000, 0x80000000).value(), 0x7ffff000u);
  mm.insert(make_vma(0x40000000, 0x80000000, kR));
  EXPECT_EQ(mm.find_free_in(0x1000, 0x40000000, 0x80000000).error(), ENOMEM);
}

TEST(MemoryMap, RemoveSplitsPartiallyCoveredVmas) {
  MemoryMap mm;
  mm.insert(make_vma(0x100000, 0x110000, kR | kW));
  mm.remove(0x104000, 0x106000);
  auto v = mm.vmas();
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].start, 0x100000u);
  EXPECT_EQ(v[0].end, 0x104000u);
  EXPECT_EQ(v[1].start, 0x106000u);
  EXPECT_EQ(v[1].end, 0x110000u);
  EXPECT_EQ(mm.find(0x105000), nullptr);
  EXPECT_TRUE(mm.is_free(0x104000, 0x106000));
  EXPECT_FALSE(mm.is_free(0x103000, 0x105000));
  mm.remove(0x0, 0x200000);  // holes in the range are fine
  EXPECT_TRUE(mm.vmas().empty());
}

TEST(MemoryMap, RemoveSplitsFileOffsets) {
  MemoryMap mm;
  auto v = make_vma(0x100000, 0x104000, kR, "/bin/x");
  v.inode = 7;
  v.offset = 0x2000;
  mm.insert(v);
  mm.remove(0x101000, 0x102000);
  ASSERT_EQ(mm.vmas().size(), 2u);
  EXPECT_EQ(mm.vmas()[1].offset, 0x4000u);
}

TEST(MemoryMap, ProtectSplitsAndRejectsHoles) {
  MemoryMap mm;
  mm.insert(make_vma(0x100000, 0x104000, kR | kW));
  ASSERT_TRUE(mm.protect(0x101000, 0x102000, kR).ok());
  auto v = mm.vmas();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[1].start, 0x101000u);
  EXPECT_EQ(v[1].prot, kR);
  EXPECT_EQ(v[2].prot, kR | kW);

  // Restoring the protection merges the pieces back.
  ASSERT_TRUE(mm.protect(0x101000, 0x102000, kR | kW).ok());
  EXPECT_EQ(mm.vmas().size(), 1u);

  EXPECT_EQ(mm.protect(0x103000, 0x105000, kR).error(), ENOMEM);
  EXPECT_EQ(mm.find(0x103000)->prot, kR | kW) << "a failed protect changes nothing";
}

TEST(MemoryMap, InsertMergesOnlyCompatibleNeighbours) {
  MemoryMap mm;
  mm.insert(make_vma(0x100000, 0x101000, kR | kW));
  mm.insert(make_vma(0x101000, 0x102000, kR | kW));
  EXPECT_EQ(mm.vmas().size(), 1u);
  mm.insert(make_vma(0x102000, 0x103000, kR | kW, "[heap]"));
  mm.insert(make_vma(0x103000, 0x104000, kR | kX));
  EXPECT_EQ(mm.vmas().size(), 3u);
  EXPECT_TRUE(mm.covered(0x100000, 0x104000));
  EXPECT_FALSE(mm.covered(0x100000, 0x105000));
}

TEST(MemoryMap, VmasInClipsToTheRange) {
  MemoryMap mm;
  mm.insert(make_vma(0x100000, 0x104000, kR));
  mm.insert(make_vma(0x106000, 0x108000, kR | kW));
  auto v = mm.vmas_in(0x102000, 0x107000);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].start, 0x102000u);
  EXPECT_EQ(v[0].end, 0x104000u);
  EXPECT_EQ(v[1].start, 0x106000u);
  EXPECT_EQ(v[1].end, 0x107000u);
}

TEST(MemoryMap, RendersProcMapsLikeLinux) {
  MemoryMap mm;
  auto text = make_vma(0x400000, 0x401000, kR | kX, "/bin/true");
  text.offset = 0;
  text.dev = (8 << 8) | 1;
  text.inode = 1234;
  mm.insert(text);
  mm.insert(make_vma(0x402000, 0x404000, kR | kW, "[heap]"));
  mm.insert(make_vma(0x7ffff7ff0000, 0x7ffff7ff1000, kR));
  std::string expected =
      "00400000-00401000 r-xp 00000000 08:01 1234                               /bin/true\n"
      "00402000-00404000 rw-p 00000000 00:00 0                                  [heap]\n"
      "7ffff7ff0000-7ffff7ff1000 r--p 00000000 00:00 0 \n";
  EXPECT_EQ(mm.render_proc_maps(), expected);
  // The name column is fixed: 73 characters in.
  EXPECT_EQ(mm.render_proc_maps().find("/bin/true"), 73u);
}

}  // namespace
