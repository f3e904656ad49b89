// brk/mmap/munmap/mprotect/madvise against the fake host: the handlers'
// results, what the host was asked to do, and the MemoryMap afterwards.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cstring>
#include <memory>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/SyscallInvoke.h"

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "pico/fake/FakeHost.h"

namespace {

using pico::fake::FakeProcess;
constexpr int kRW = PROT_READ | PROT_WRITE;
constexpr uint64_t kBase = 0x7f0000000000ull;  // mmap_base used by these tests
constexpr uint64_t kPage = 4096;

// A file whose contents live in memory, for file-backed mmap.
class MemFile : public lx::OpenFile {
 public:
  explicit MemFile(std::string data, int flags = O_RDONLY) : data_(std::move(data)) {
    set_status_flags(flags);
    set_guest_path("/data/file");
  }
  lx::Result<uint64_t> pread(std::span<uint8_t> buf, int64_t off) override {
    if (off < 0) return lx::err(EINVAL);
    if (static_cast<uint64_t>(off) >= data_.size()) return uint64_t{0};
    uint64_t n = std::min<uint64_t>(buf.size(), data_.size() - off);
    std::memcpy(buf.data(), data_.data() + off, n);
    return n;
  }
  lx::Result<lx::abi::Stat> stat() override {
    lx::abi::Stat st{};
    st.st_mode = 0100644;
    st.st_ino = 42;
    st.st_size = static_cast<int64_t>(data_.size());
    return st;
  }

 private:
  std::string data_;
};

class MemorySyscalls : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = std::make_unique<FakeProcess>();
    proc = p.get();
    tg = std::make_unique<lx::ThreadGroup>(kernel, std::move(p), 1);
    task = std::make_unique<lx::Task>(*tg, tg->pico().main_thread(), 1);
    mm().set_mmap_base(kBase);
    mm().brk_start = mm().brk_end = 0x600000;
  }

  // The handler's result as the guest sees it in rax (negative errno on failure).
  long call(int nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
            uint64_t a5 = 0) {
    return lx::test_support::invoke_syscall(*task, static_cast<uint64_t>(nr), {a0, a1, a2, a3, a4, a5});
  }
  long mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd = -1, uint64_t off = 0) {
    return call(SYS_mmap, addr, len, static_cast<uint64_t>(prot), static_cast<uint64_t>(flags),
                static_cast<uint64_t>(static_cast<int64_t>(fd)), off);
  }

  lx::MemoryMap& mm() { return tg->mm(); }
  pico::fake::FakeMemory& mem() { return proc->memory(); }

  pico::fake::FakeHost host;
  lx::Kernel kernel{host, nullptr, lx::KernelConfig{}};
  FakeProcess* proc = nullptr;
  std::unique_ptr<lx::ThreadGroup> tg;
  std::unique_ptr<lx::Task> task;
};

TEST_F(MemorySyscalls, BrkQueryGrowShrink) {
  EXPECT_EQ(call(SYS_brk, 0), 0x600000);
  EXPECT_EQ(call(SYS_brk, 0x603005), 0x603005);
  EXPECT_TRUE(mem().mapped(0x603fff));
  EXPECT_FALSE(mem().mapped(0x604000));
  ASSERT_NE(mm().find(0x600000), nullptr);
  EXPECT_EQ(mm().find(0x600000)->name, "[heap]");
  uint32_t v = 0xdeadbeef;
  EXPECT_TRUE(proc->write_memory(0x603000, &v, sizeof v).ok());

  EXPECT_EQ(call(SYS_brk, 0x601000), 0x601000);
  EXPECT_TRUE(mem().mapped(0x600fff));
  EXPECT_FALSE(mem().mapped(0x601000));
  EXPECT_EQ(mm().find(0x601000), nullptr);

  // Growing again gives zeroed pages, not the old contents.
  EXPECT_EQ(call(SYS_brk, 0x604000), 0x604000);
  EXPECT_EQ(mem().peek_u64(0x603000), 0u);
  EXPECT_EQ(mm().vmas().size(), 1u) << "heap growth extends one [heap] VMA";
}

TEST_F(MemorySyscalls, BrkFailuresReturnTheCurrentBreak) {
  EXPECT_EQ(call(SYS_brk, 0x602000), 0x602000);
  EXPECT_EQ(call(SYS_brk, 0x1000), 0x602000) << "below the start";
  // Another mapping above the heap: growing into it (or its guard page) fails.
  ASSERT_EQ(mmap(0x700000, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x700000);
  EXPECT_EQ(call(SYS_brk, 0x700000), 0x602000);
  EXPECT_EQ(call(SYS_brk, 0x6ff001), 0x602000);
  EXPECT_EQ(call(SYS_brk, 0x6ff000), 0x6ff000);
  EXPECT_EQ(call(SYS_brk, ~0ull - 5), 0x6ff000) << "overflowing request";
  EXPECT_EQ(call(SYS_brk, 0x650000), 0x650000);
  proc->fake_main_thread().fail_next_map = ENOMEM;
  EXPECT_EQ(call(SYS_brk, 0x660000), 0x650000) << "the host refused";
}

TEST_F(MemorySyscalls, MmapAnonymousIsTopDownBelowMmapBase) {
  long a = mmap(0, 0x3000, kRW, MAP_PRIVATE | MAP_ANONYMOUS);
  ASSERT_GT(a, 0);
  EXPECT_EQ(static_cast<uint64_t>(a), kBase - 0x3000);
  long b = mmap(0, 100, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
  EXPECT_EQ(static_cast<uint64_t>(b), kBase - 0x4000) << "length rounds up to a page";
  EXPECT_EQ(mem().prot_at(a), kRW);
  EXPECT_EQ(mem().prot_at(b), PROT_READ);
  EXPECT_EQ(mm().find(a)->prot, kRW);
  // Shared anonymous memory works (as private, for now).
  EXPECT_GT(mmap(0, kPage, kRW, MAP_SHARED | MAP_ANONYMOUS), 0);
  EXPECT_EQ(mmap(0, kPage, kRW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS), -EINVAL) << "validate is for files";
  // Accepted flags that change nothing here.
  EXPECT_GT(mmap(0, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | MAP_STACK | MAP_GROWSDOWN), 0);
  EXPECT_EQ(proc->reserved_violations, 0);
}

TEST_F(MemorySyscalls, MmapHintIsUsedWhenFreeElsewhereOtherwise) {
  EXPECT_EQ(mmap(0x10000000, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS), 0x10000000);
  EXPECT_EQ(mmap(0x10000123, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS), static_cast<long>(kBase - kPage))
      << "occupied hint: placed top-down instead";
  long in_reserved = mmap(pico::fake::kDefaultReserved.start, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS);
  EXPECT_FALSE(pico::fake::kDefaultReserved.contains(static_cast<uint64_t>(in_reserved)));
  long low = mmap(0, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT);
  EXPECT_GE(low, 0x40000000);
  EXPECT_LT(low, 0x80000000);
}

TEST_F(MemorySyscalls, MapFixedReplacesExistingMappings) {
  long a = mmap(0x20000000, 4 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  ASSERT_EQ(a, 0x20000000);
  uint64_t v = 0x1122334455667788;
  ASSERT_TRUE(proc->write_memory(0x20001000, &v, sizeof v).ok());
  ASSERT_EQ(mmap(0x20001000, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20001000);
  EXPECT_EQ(mem().peek_u64(0x20001000), 0u);
  EXPECT_EQ(mem().prot_at(0x20001000), PROT_READ);
  auto v3 = mm().vmas_in(0x20000000, 0x20004000);
  ASSERT_EQ(v3.size(), 3u);
  EXPECT_EQ(v3[1].prot, PROT_READ);

  EXPECT_EQ(mmap(0x20000000, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), -EEXIST);
  EXPECT_EQ(mmap(0x20000000, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_FIXED_NOREPLACE), -EEXIST);
  EXPECT_EQ(mmap(0x20004000, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), 0x20004000);
}

TEST_F(MemorySyscalls, MmapArgumentErrors) {
  const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
  EXPECT_EQ(mmap(0, 0, kRW, anon), -EINVAL);
  EXPECT_EQ(mmap(0, kPage, kRW, anon, -1, 123), -EINVAL);
  EXPECT_EQ(mmap(0x20000010, kPage, kRW, anon | MAP_FIXED), -EINVAL);
  EXPECT_EQ(mmap(0, kPage, kRW, MAP_ANONYMOUS), -EINVAL) << "neither shared nor private";
  EXPECT_EQ(mmap(0, kPage, kRW, MAP_PRIVATE, -1), -EBADF);
  EXPECT_EQ(mmap(0, kPage, kRW, MAP_PRIVATE, 55), -EBADF);
  EXPECT_EQ(mmap(0, ~0ull - 10, kRW, anon), -ENOMEM) << "length rounding overflows";
  EXPECT_EQ(mmap(0, 1ull << 47, kRW, anon), -ENOMEM) << "no room";
  EXPECT_EQ(mmap(pico::fake::kDefaultReserved.start, kPage, kRW, anon | MAP_FIXED), -ENOMEM);
  EXPECT_EQ(mmap(0x7ffffffff000, 2 * kPage, kRW, anon | MAP_FIXED), -ENOMEM);
  EXPECT_EQ(mmap(0, kPage, kRW, anon | MAP_FIXED), -EPERM) << "below mmap_min_addr";
  EXPECT_EQ(proc->reserved_violations, 0);
  EXPECT_TRUE(mm().vmas().empty());
}

TEST_F(MemorySyscalls, HostFailureLeavesTheMapUnchanged) {
  proc->fake_main_thread().fail_next_map = ENOMEM;
  EXPECT_EQ(mmap(0, kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS), -ENOMEM);
  EXPECT_TRUE(mm().vmas().empty());
}

TEST_F(MemorySyscalls, MunmapSplitsAndIgnoresHoles) {
  ASSERT_EQ(mmap(0x20000000, 4 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20000000);
  EXPECT_EQ(call(SYS_munmap, 0x20001000, kPage), 0);
  EXPECT_FALSE(mem().mapped(0x20001000));
  EXPECT_TRUE(mem().mapped(0x20000000));
  EXPECT_TRUE(mem().mapped(0x20002000));
  EXPECT_EQ(mm().vmas().size(), 2u);
  EXPECT_EQ(call(SYS_munmap, 0x1f000000, 0x2000000), 0) << "a range with holes";
  EXPECT_TRUE(mm().vmas().empty());
  EXPECT_FALSE(mem().mapped(0x20003000));
  // Unmapping over the host's reserved range must not reach the host.
  EXPECT_EQ(call(SYS_munmap, pico::fake::kDefaultReserved.start, kPage), 0);
  EXPECT_EQ(proc->reserved_violations, 0);

  EXPECT_EQ(call(SYS_munmap, 0x20000001, kPage), -EINVAL);
  EXPECT_EQ(call(SYS_munmap, 0x20000000, 0), -EINVAL);
  EXPECT_EQ(call(SYS_munmap, 0x7ffffffff000, 2 * kPage), -EINVAL);
}

TEST_F(MemorySyscalls, MprotectSplitsAndRejectsHolesAndBadBits) {
  ASSERT_EQ(mmap(0x20000000, 3 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20000000);
  EXPECT_EQ(call(SYS_mprotect, 0x20001000, kPage, PROT_READ), 0);
  EXPECT_EQ(mem().prot_at(0x20001000), PROT_READ);
  EXPECT_EQ(mem().prot_at(0x20002000), kRW);
  EXPECT_EQ(mm().vmas().size(), 3u);
  uint32_t v = 1;
  EXPECT_EQ(proc->write_memory(0x20001000, &v, sizeof v).error(), EFAULT);

  EXPECT_EQ(call(SYS_mprotect, 0x20002000, 2 * kPage, PROT_READ), -ENOMEM) << "runs into a hole";
  EXPECT_EQ(call(SYS_mprotect, 0x30000000, kPage, PROT_READ), -ENOMEM);
  EXPECT_EQ(call(SYS_mprotect, 0x20000001, kPage, PROT_READ), -EINVAL);
  EXPECT_EQ(call(SYS_mprotect, 0x20000000, kPage, 0x40), -EINVAL);
  EXPECT_EQ(call(SYS_mprotect, 0x20000000, kPage, PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL);
  EXPECT_EQ(call(SYS_mprotect, 0x20000000, 0, PROT_READ), 0);
  EXPECT_EQ(call(SYS_mprotect, 0x20000000, 1, PROT_NONE), 0) << "length rounds up";
  EXPECT_EQ(mem().prot_at(0x20000000), PROT_NONE);
}

TEST_F(MemorySyscalls, MadviseDontneedZeroesPrivateAnonymousPages) {
  ASSERT_EQ(mmap(0x20000000, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20000000);
  uint64_t v = 77;
  ASSERT_TRUE(proc->write_memory(0x20000008, &v, sizeof v).ok());
  ASSERT_TRUE(proc->write_memory(0x20001008, &v, sizeof v).ok());
  EXPECT_EQ(call(SYS_madvise, 0x20000000, kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(mem().peek_u64(0x20000008), 0u);
  EXPECT_EQ(mem().peek_u64(0x20001008), 77u);
  EXPECT_EQ(mem().prot_at(0x20000000), kRW);
  EXPECT_EQ(call(SYS_madvise, 0x20000000, kPage, MADV_WILLNEED), 0);
  EXPECT_EQ(call(SYS_madvise, 0x20000000, 4 * kPage, MADV_NORMAL), -ENOMEM);
  EXPECT_EQ(call(SYS_madvise, 0x20000001, kPage, MADV_NORMAL), -EINVAL);
  EXPECT_EQ(call(SYS_madvise, 0x20000000, kPage, 77), -EINVAL);
}

TEST_F(MemorySyscalls, PrivateFileMappingsAreCopies) {
  std::string data(kPage + 10, 'a');
  data[kPage] = 'B';
  auto file = std::make_shared<MemFile>(data);
  int fd = tg->fds().install(file, false).value();
  long a = mmap(0, 2 * kPage + 5, PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_GT(a, 0);
  EXPECT_EQ(mem().peek(a, 1)[0], 'a');
  EXPECT_EQ(mem().peek(a + kPage, 1)[0], 'B');
  EXPECT_EQ(mem().peek(a + kPage + 10, 1)[0], 0) << "past end of file reads zero";
  EXPECT_EQ(mem().prot_at(a), PROT_READ) << "filled while writable, then protected";
  const lx::Vma* v = mm().find(a);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->name, "/data/file");
  EXPECT_EQ(v->inode, 42u);

  long b = mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, kPage);
  ASSERT_GT(b, 0);
  EXPECT_EQ(mem().peek(b, 1)[0], 'B');
  // Private writes are discarded by MADV_DONTNEED: the file's bytes return.
  uint8_t x = 'X';
  ASSERT_TRUE(proc->write_memory(b, &x, 1).ok());
  EXPECT_EQ(call(SYS_madvise, b, kPage, MADV_DONTNEED), 0);
  EXPECT_EQ(mem().peek(b, 1)[0], 'B');

  // Shared mappings of a read-only fd are copies that can never become writable.
  long sh = mmap(0, kPage, PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_GT(sh, 0);
  EXPECT_EQ(mem().peek(sh, 1)[0], 'a');
  EXPECT_TRUE(mm().find(sh)->shared);
  EXPECT_EQ(call(SYS_mprotect, sh, kPage, PROT_READ | PROT_WRITE), -EACCES);
  EXPECT_EQ(call(SYS_mprotect, sh, kPage, PROT_READ | PROT_EXEC), 0);
  EXPECT_EQ(mmap(0, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), -EACCES);
  EXPECT_EQ(mmap(0, kPage, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, fd, 0), -EOPNOTSUPP);
  int rwfd = tg->fds().install(std::make_shared<MemFile>(data, O_RDWR), false).value();
  EXPECT_EQ(mmap(0, kPage, PROT_READ, MAP_SHARED, rwfd, 0), -ENODEV) << "write-back sharing is not offered";
  int wfd = tg->fds().install(std::make_shared<MemFile>(data, O_WRONLY), false).value();
  EXPECT_EQ(mmap(0, kPage, PROT_READ, MAP_PRIVATE, wfd, 0), -EACCES);
}

TEST_F(MemorySyscalls, MremapShrinksGrowsInPlaceAndMoves) {
  ASSERT_EQ(mmap(0x20000000, 2 * kPage, kRW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20000000);
  uint64_t v = 0xabcdef;
  ASSERT_TRUE(proc->write_memory(0x20000010, &v, sizeof v).ok());
  EXPECT_EQ(call(SYS_mremap, 0x20000000, 2 * kPage, kPage, 0), 0x20000000);
  EXPECT_FALSE(mem().mapped(0x20001000));
  EXPECT_EQ(call(SYS_mremap, 0x20000000, kPage, 3 * kPage, 0), 0x20000000) << "room above: grows in place";
  EXPECT_TRUE(mem().mapped(0x20002000));
  EXPECT_EQ(mm().vmas().size(), 1u);

  ASSERT_EQ(mmap(0x20003000, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), 0x20003000);
  EXPECT_EQ(call(SYS_mremap, 0x20000000, 3 * kPage, 4 * kPage, 0), -ENOMEM) << "blocked and may not move";
  long moved = call(SYS_mremap, 0x20000000, 3 * kPage, 4 * kPage, MREMAP_MAYMOVE);
  ASSERT_GT(moved, 0);
  EXPECT_NE(moved, 0x20000000);
  EXPECT_EQ(mem().peek_u64(moved + 0x10), 0xabcdefu) << "contents travel with the mapping";
  EXPECT_EQ(mem().prot_at(moved), kRW);
  EXPECT_FALSE(mem().mapped(0x20000000));
  EXPECT_EQ(mm().find(moved)->end, static_cast<uint64_t>(moved) + 4 * kPage);

  EXPECT_EQ(call(SYS_mremap, moved, kPage, kPage, MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000), 0x30000000);
  EXPECT_EQ(mem().peek_u64(0x30000010), 0xabcdefu);

  EXPECT_EQ(call(SYS_mremap, 0x50000000, kPage, 2 * kPage, MREMAP_MAYMOVE), -EFAULT);
  EXPECT_EQ(call(SYS_mremap, 0x30000000, kPage, 0, 0), -EINVAL);
  EXPECT_EQ(call(SYS_mremap, 0x30000001, kPage, kPage, 0), -EINVAL);
  EXPECT_EQ(call(SYS_mremap, 0x30000000, kPage, kPage, MREMAP_FIXED, 0x40000000), -EINVAL);
  EXPECT_EQ(call(SYS_mremap, 0x30000000, kPage, kPage, 0x80), -EINVAL);
  EXPECT_EQ(proc->reserved_violations, 0);
}

}  // namespace
