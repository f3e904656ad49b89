// MAP_SHARED file and anonymous mappings, msync and mincore. Shared file
// mappings need a writable file on a disk filesystem: it is created in a
// mkdtemp directory in the working directory (the build tree, which lx mounts
// read-write at the same path) and removed afterwards. The checks that need
// no file run first and on their own.
#include "common.h"

#include <cstdlib>
#include <string>
#include <vector>

using namespace conf;

namespace {

const size_t kPage = PageSize();

void* MapSharedAnon(size_t len) {
  return mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

class SharedFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "lx-mmap-shared.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr) << "mkdtemp: " << ErrnoName(errno);
    dir_ = tmpl;
    path_ = dir_ + "/data";
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    ASSERT_GE(fd_, 0) << "open: " << ErrnoName(errno);
    std::string fill(2 * kPage, 'a');
    ASSERT_EQ(pwrite(fd_, fill.data(), fill.size(), 0), static_cast<ssize_t>(fill.size()));
  }
  void TearDown() override {
    if (fd_ >= 0) close(fd_);
    if (!path_.empty()) unlink(path_.c_str());
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  std::string dir_, path_;
  int fd_ = -1;
};

}  // namespace

// ---- shared anonymous memory -------------------------------------------------

TEST(SharedAnon, IsZeroFilledWritableAndSurvivesMremapMove) {
  char* p = static_cast<char*>(MapSharedAnon(2 * kPage));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[2 * kPage - 1], 0);
  std::memcpy(p + kPage, "shared", 6);
  char* q = static_cast<char*>(mremap(p, 2 * kPage, 8 * kPage, MREMAP_MAYMOVE));
  ASSERT_NE(q, MAP_FAILED) << ErrnoName(errno);
  EXPECT_EQ(std::string(q + kPage, 6), "shared");
  EXPECT_SYS_OK(munmap(q, 2 * kPage));
}

TEST(SharedAnon, ShowsAsSharedInProcMaps) {
  char* p = static_cast<char*>(MapSharedAnon(kPage));
  ASSERT_NE(p, MAP_FAILED);
  ScopedFd maps(open("/proc/self/maps", O_RDONLY | O_CLOEXEC));
  ASSERT_GE(maps.get(), 0);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(maps, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  char start[32];
  snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(p));
  size_t at = text.find(start);
  ASSERT_NE(at, std::string::npos) << text;
  std::string line = text.substr(at, text.find('\n', at) - at);
  EXPECT_NE(line.find(" rw-s "), std::string::npos) << line;
  EXPECT_NE(line.find("/dev/zero (deleted)"), std::string::npos) << line;
  munmap(p, kPage);
}

// ---- msync ---------------------------------------------------------------------

TEST(Msync, ArgumentErrors) {
  char* p = static_cast<char*>(MapSharedAnon(2 * kPage));
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_ERRNO(EINVAL, msync(p + 1, kPage, MS_SYNC));
  EXPECT_ERRNO(EINVAL, msync(p, kPage, MS_SYNC | MS_ASYNC));
  EXPECT_ERRNO(EINVAL, msync(p, kPage, Opaque(0x100)));
  EXPECT_SYS_OK(msync(p, 0, MS_SYNC));
  EXPECT_SYS_OK(msync(p, 2 * kPage, MS_ASYNC));
  EXPECT_SYS_OK(msync(p, 2 * kPage, MS_INVALIDATE));
  EXPECT_SYS_OK(msync(p, 1, 0));  // len is rounded up to a page, flags may be 0
  munmap(p, 2 * kPage);
}

TEST(Msync, UnmappedRangeIsENOMEM) {
  char* p = static_cast<char*>(MapSharedAnon(3 * kPage));
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_SYS_OK(munmap(p + kPage, kPage));
  EXPECT_ERRNO(ENOMEM, msync(p, 3 * kPage, MS_SYNC));
  EXPECT_ERRNO(ENOMEM, msync(p + kPage, kPage, MS_ASYNC));
  EXPECT_SYS_OK(msync(p, kPage, MS_SYNC));
  munmap(p, 3 * kPage);
}

// ---- mincore -------------------------------------------------------------------

TEST(Mincore, TouchedPagesAreResidentAndOnlyBitZeroIsUsed) {
  char* p = static_cast<char*>(mmap(nullptr, 4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  p[0] = 1;
  p[3 * kPage] = 1;
  unsigned char vec[4] = {0xff, 0xff, 0xff, 0xff};
  ASSERT_SYS_OK(mincore(p, 4 * kPage, vec));
  EXPECT_EQ(vec[0], 1);
  EXPECT_EQ(vec[3], 1);
  for (unsigned char v : vec) EXPECT_LE(v, 1);
  // A partial last page counts as a whole one.
  unsigned char one[2] = {0xff, 0xee};
  ASSERT_SYS_OK(mincore(p + 3 * kPage, 1, one));
  EXPECT_EQ(one[0], 1);
  EXPECT_EQ(one[1], 0xee) << "only one byte per page in the range is written";
  munmap(p, 4 * kPage);
}

TEST(Mincore, Errors) {
  char* p = static_cast<char*>(mmap(nullptr, 3 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(p, MAP_FAILED);
  unsigned char vec[3];
  EXPECT_ERRNO(EINVAL, mincore(p + 1, kPage, vec));
  EXPECT_ERRNO(EFAULT, mincore(p, kPage, static_cast<unsigned char*>(kOnePtr)));
  ASSERT_SYS_OK(munmap(p + 2 * kPage, kPage));
  EXPECT_ERRNO(ENOMEM, mincore(p, 3 * kPage, vec));
  EXPECT_ERRNO(ENOMEM, mincore(p + 2 * kPage, kPage, vec));
  EXPECT_ERRNO(ENOMEM, mincore(reinterpret_cast<void*>(0x7ffffffff000UL), 2 * kPage, vec));
  EXPECT_SYS_OK(mincore(p, 0, vec));
  munmap(p, 2 * kPage);
}

// ---- shared file mappings ----------------------------------------------------

TEST_F(SharedFile, StoresAreVisibleThroughReadAndWritesThroughTheMapping) {
  char* m = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0));
  ASSERT_NE(m, MAP_FAILED) << ErrnoName(errno);
  std::memcpy(m + kPage + 10, "through-map", 11);
  char buf[11];
  ASSERT_EQ(pread(fd_, buf, 11, kPage + 10), 11);
  EXPECT_EQ(std::string(buf, 11), "through-map");
  ASSERT_EQ(pwrite(fd_, "via-write", 9, 3), 9);
  EXPECT_EQ(std::string(m + 3, 9), "via-write");
  EXPECT_SYS_OK(msync(m, 2 * kPage, MS_SYNC));
  EXPECT_SYS_OK(munmap(m, 2 * kPage));
  // After unmapping, a fresh descriptor still reads what was stored.
  ScopedFd again(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(pread(again, buf, 11, kPage + 10), 11);
  EXPECT_EQ(std::string(buf, 11), "through-map");
}

TEST_F(SharedFile, TwoMappingsOfTheFileSeeEachOther) {
  char* a = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, kPage));
  char* b = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ, MAP_SHARED, fd_, 0));
  ASSERT_NE(a, MAP_FAILED);
  ASSERT_NE(b, MAP_FAILED);
  a[1] = 'Z';
  EXPECT_EQ(b[kPage + 1], 'Z');
  munmap(a, kPage);
  munmap(b, 2 * kPage);
}

TEST_F(SharedFile, PrivateMappingsDoNotWriteBack) {
  char* m = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0));
  ASSERT_NE(m, MAP_FAILED);
  m[0] = 'P';
  char c = 0;
  ASSERT_EQ(pread(fd_, &c, 1, 0), 1);
  EXPECT_EQ(c, 'a');
  munmap(m, kPage);
}

TEST_F(SharedFile, WritableSharedMappingNeedsAFileOpenForWriting) {
  ScopedFd ro(open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_GE(ro.get(), 0);
  EXPECT_ERRNO(EACCES, mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
  void* m = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, ro, 0);
  ASSERT_NE(m, MAP_FAILED);
  EXPECT_ERRNO(EACCES, mprotect(m, kPage, PROT_READ | PROT_WRITE));
  munmap(m, kPage);
  // Open for writing: mprotect may add PROT_WRITE later.
  void* w = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd_, 0);
  ASSERT_NE(w, MAP_FAILED);
  EXPECT_SYS_OK(mprotect(w, kPage, PROT_READ | PROT_WRITE));
  static_cast<char*>(w)[0] = 'W';
  char c = 0;
  ASSERT_EQ(pread(fd_, &c, 1, 0), 1);
  EXPECT_EQ(c, 'W');
  munmap(w, kPage);
}

TEST_F(SharedFile, MremapGrowsAndMovesWithoutLosingTheFile) {
  char* m = static_cast<char*>(mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0));
  ASSERT_NE(m, MAP_FAILED);
  char* g = static_cast<char*>(mremap(m, kPage, 2 * kPage, MREMAP_MAYMOVE));
  ASSERT_NE(g, MAP_FAILED) << ErrnoName(errno);
  g[kPage + 2] = 'M';
  char c = 0;
  ASSERT_EQ(pread(fd_, &c, 1, kPage + 2), 1);
  EXPECT_EQ(c, 'M');
  munmap(g, 2 * kPage);
}

TEST_F(SharedFile, MsyncOnAFileMappingAndMincoreOfIt) {
  char* m = static_cast<char*>(mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0));
  ASSERT_NE(m, MAP_FAILED);
  m[0] = 'S';
  EXPECT_SYS_OK(msync(m, kPage, MS_SYNC));
  EXPECT_SYS_OK(msync(m, 2 * kPage, MS_ASYNC | MS_INVALIDATE));
  unsigned char vec[2] = {0xff, 0xff};
  ASSERT_SYS_OK(mincore(m, 2 * kPage, vec));
  EXPECT_EQ(vec[0], 1);
  EXPECT_LE(vec[1], 1);
  munmap(m, 2 * kPage);
}
