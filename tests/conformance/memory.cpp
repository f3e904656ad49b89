// brk/mmap/munmap/mprotect. Nothing here touches memory after unmapping it:
// mprotect on a range fails with ENOMEM when any of it is unmapped, which is
// how mappings are probed without faulting.
#include "common.h"

#include <climits>

using namespace conf;

namespace {

long Brk(uintptr_t addr) { return syscall(SYS_brk, addr); }

bool IsMapped(void* addr, size_t len) {
  return mprotect(addr, len, PROT_READ | PROT_WRITE) == 0;
}

void* MapAnon(size_t len, int prot = PROT_READ | PROT_WRITE, int extra = 0, void* hint = nullptr) {
  return mmap(hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
}

}  // namespace

TEST(Brk, ZeroReturnsCurrentBreak) {
  long cur = Brk(0);
  ASSERT_GT(cur, 0);
  EXPECT_EQ(Brk(0), cur);
}

TEST(Brk, GrowsWritableAndShrinks) {
  const size_t page = PageSize();
  const long cur = Brk(0);
  const long grown = Brk(cur + 16 * page);
  // No allocation may happen between here and the shrink: malloc shares brk.
  bool zero_filled = true, writable = true;
  if (grown == (long)(cur + 16 * page)) {
    char* p = reinterpret_cast<char*>(cur);
    for (size_t i = 0; i < 16 * page; i += 512) zero_filled &= (p[i] == 0);
    memset(p, 0x5a, 16 * page);
    for (size_t i = 0; i < 16 * page; i += 512) writable &= (p[i] == 0x5a);
  }
  const long shrunk = Brk(cur);
  const long after = Brk(0);
  ASSERT_EQ(grown, (long)(cur + 16 * page));
  EXPECT_TRUE(zero_filled);
  EXPECT_TRUE(writable);
  EXPECT_EQ(shrunk, cur);
  EXPECT_EQ(after, cur);
}

TEST(Brk, UnalignedBreakIsKeptVerbatim) {
  const long cur = Brk(0);
  const long grown = Brk(cur + 100);
  const long shrunk = Brk(cur);
  EXPECT_EQ(grown, cur + 100);
  EXPECT_EQ(shrunk, cur);
}

TEST(Brk, InvalidRequestsReturnTheCurrentBreak) {
  const long cur = Brk(0);
  EXPECT_EQ(Brk(1), cur);                        // below the data segment
  EXPECT_EQ(Brk(0xffff800000000000UL), cur);     // kernel half
  EXPECT_EQ(Brk(0x0000800000000000UL), cur);     // past the user address space
  EXPECT_EQ(Brk(0), cur);
}

TEST(Mmap, AnonymousIsZeroFilledAndWritable) {
  const size_t len = 8 * PageSize();
  char* p = static_cast<char*>(MapAnon(len));
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % PageSize(), 0u);
  for (size_t i = 0; i < len; i += 64) ASSERT_EQ(p[i], 0) << i;
  for (size_t i = 0; i < len; ++i) p[i] = static_cast<char>(i * 7);
  for (size_t i = 0; i < len; ++i) ASSERT_EQ(p[i], static_cast<char>(i * 7)) << i;
  EXPECT_EQ(munmap(p, len), 0);
}

TEST(Mmap, UnalignedLengthIsRoundedUp) {
  const size_t page = PageSize();
  char* p = static_cast<char*>(MapAnon(page + 1));
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  p[2 * page - 1] = 1;  // the whole second page is mapped
  EXPECT_TRUE(IsMapped(p, 2 * page));
  EXPECT_EQ(munmap(p, page + 1), 0);
  EXPECT_FALSE(IsMapped(p, page));
  EXPECT_FALSE(IsMapped(p + page, page));
}

TEST(Mmap, MapFixedReplacesPartOfAMapping) {
  const size_t page = PageSize();
  char* p = static_cast<char*>(MapAnon(3 * page));
  ASSERT_NE(p, MAP_FAILED);
  memset(p, 'x', 3 * page);
  void* q = MapAnon(page, PROT_READ | PROT_WRITE, MAP_FIXED, p + page);
  ASSERT_EQ(q, p + page) << ErrnoName(errno);
  EXPECT_EQ(p[0], 'x');
  EXPECT_EQ(p[page - 1], 'x');
  EXPECT_EQ(p[page], 0);
  EXPECT_EQ(p[2 * page - 1], 0);
  EXPECT_EQ(p[2 * page], 'x');
  EXPECT_EQ(munmap(p, 3 * page), 0);
}

TEST(Mmap, MapFixedNoreplaceOverAMappingFailsWithEEXIST) {
  const size_t page = PageSize();
  char* p = static_cast<char*>(MapAnon(2 * page));
  ASSERT_NE(p, MAP_FAILED);
  p[0] = 'k';
  EXPECT_ERRNO(EEXIST, MapAnon(page, PROT_READ, MAP_FIXED_NOREPLACE, p + page));
  EXPECT_EQ(p[0], 'k');
  ASSERT_EQ(munmap(p + page, page), 0);
  EXPECT_EQ(MapAnon(page, PROT_READ, MAP_FIXED_NOREPLACE, p + page), p + page);
  EXPECT_EQ(munmap(p, 2 * page), 0);
}

TEST(Mmap, UnalignedFixedAddressFailsWithEINVAL) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, MapAnon(PageSize(), PROT_READ, MAP_FIXED, p + 1));
  munmap(p, PageSize());
}

TEST(Mmap, SharedAndPrivateTogetherFailWithEINVAL) {
  EXPECT_ERRNO(EINVAL, mmap(nullptr, PageSize(), PROT_READ,
                            MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}

TEST(Mmap, NeitherSharedNorPrivateFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, mmap(nullptr, PageSize(), PROT_READ, MAP_ANONYMOUS, -1, 0));
}

TEST(Mmap, ZeroLengthFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, MapAnon(0));
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, mmap(nullptr, 0, PROT_READ, MAP_PRIVATE, fd, 0));
}

TEST(Mmap, HugeLengthFailsWithENOMEM) {
  EXPECT_ERRNO(ENOMEM, MapAnon(SIZE_MAX));  // rounds up to zero
  EXPECT_ERRNO(ENOMEM, MapAnon(SIZE_MAX - PageSize() + 1));
  EXPECT_ERRNO(ENOMEM, MapAnon(1UL << 62));
}

TEST(Mmap, UnalignedOffsetFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EINVAL, mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE, fd, 1));
}

TEST(Mmap, FileMappingNeedsAValidFd) {
  EXPECT_ERRNO(EBADF, mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE, -1, 0));
  EXPECT_ERRNO(EBADF, mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE, INT_MAX, 0));
}

TEST(Mmap, AnonymousIgnoresTheFd) {
  void* p = mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 12345, 0);
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  munmap(p, PageSize());
}

TEST(Mmap, PrivateFileMappingShowsContentAndZeroFillsTheTail) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char* p = static_cast<char*>(mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE, fd, 0));
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  EXPECT_EQ(std::string(p, kHelloSize), kHelloText);
  for (size_t i = kHelloSize; i < PageSize(); ++i) ASSERT_EQ(p[i], 0) << i;
  munmap(p, PageSize());
}

TEST(Mmap, WritablePrivateMappingOfReadOnlyFdIsCopyOnWrite) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char* p = static_cast<char*>(
      mmap(nullptr, PageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  p[0] = '#';
  char c;
  ASSERT_EQ(pread(fd, &c, 1, 0), 1);
  EXPECT_EQ(c, kHelloText[0]);
  munmap(p, PageSize());
}

TEST(Mmap, WritableSharedMappingOfReadOnlyFdFailsWithEACCES) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(EACCES, mmap(nullptr, PageSize(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
}

TEST(Mmap, DirectoryFdFailsWithENODEV) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_ERRNO(ENODEV, mmap(nullptr, PageSize(), PROT_READ, MAP_PRIVATE, fd, 0));
}

TEST(Munmap, UnmapsAndToleratesUnmappedRanges) {
  const size_t page = PageSize();
  char* p = static_cast<char*>(MapAnon(3 * page));
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_EQ(munmap(p + page, page), 0);
  EXPECT_TRUE(IsMapped(p, page));
  EXPECT_FALSE(IsMapped(p + page, page));
  EXPECT_TRUE(IsMapped(p + 2 * page, page));
  EXPECT_EQ(munmap(p + page, page), 0);  // already unmapped: not an error
  EXPECT_EQ(munmap(p, 3 * page), 0);
  EXPECT_FALSE(IsMapped(p, page));
  EXPECT_FALSE(IsMapped(p + 2 * page, page));
}

TEST(Munmap, UnalignedAddressFailsWithEINVAL) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, munmap(p + 1, PageSize()));
  EXPECT_TRUE(IsMapped(p, PageSize()));
  munmap(p, PageSize());
}

TEST(Munmap, ZeroLengthFailsWithEINVAL) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, munmap(p, 0));
  munmap(p, PageSize());
}

TEST(Munmap, OutsideUserSpaceFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, munmap(kKernelPtr, PageSize()));
  EXPECT_ERRNO(EINVAL, munmap(kNullPtr, SIZE_MAX - PageSize() + 1));
}

TEST(Mprotect, ChangesProtection) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  p[0] = 1;
  EXPECT_EQ(mprotect(p, PageSize(), PROT_READ), 0);
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(mprotect(p, PageSize(), PROT_NONE), 0);
  EXPECT_EQ(mprotect(p, PageSize(), PROT_READ | PROT_WRITE), 0);
  p[0] = 2;
  EXPECT_EQ(p[0], 2);
  munmap(p, PageSize());
}

TEST(Mprotect, ZeroLengthSucceeds) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(mprotect(p, 0, PROT_READ), 0);
  munmap(p, PageSize());
}

TEST(Mprotect, UnalignedAddressFailsWithEINVAL) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, mprotect(p + 1, PageSize(), PROT_READ));
  munmap(p, PageSize());
}

TEST(Mprotect, UnmappedRangeFailsWithENOMEM) {
  const size_t page = PageSize();
  char* p = static_cast<char*>(MapAnon(2 * page));
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_EQ(munmap(p + page, page), 0);
  EXPECT_ERRNO(ENOMEM, mprotect(p + page, page, PROT_READ));
  EXPECT_ERRNO(ENOMEM, mprotect(p, 2 * page, PROT_READ));  // partly unmapped
  EXPECT_ERRNO(ENOMEM, mprotect(kNullPtr, page, PROT_READ));
  EXPECT_ERRNO(ENOMEM, mprotect(kKernelPtr, page, PROT_READ));
  munmap(p, page);
}

TEST(Mprotect, BadProtFailsWithEINVAL) {
  char* p = static_cast<char*>(MapAnon(PageSize()));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, mprotect(p, PageSize(), 0x100));
  EXPECT_ERRNO(EINVAL, mprotect(p, PageSize(), PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
  munmap(p, PageSize());
}

TEST(Mprotect, WriteOnReadOnlySharedFileMappingFailsWithEACCES) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  void* p = mmap(nullptr, PageSize(), PROT_READ, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED) << ErrnoName(errno);
  EXPECT_ERRNO(EACCES, mprotect(p, PageSize(), PROT_READ | PROT_WRITE));
  munmap(p, PageSize());
}
