// getdents64.
#include "common.h"

#include <climits>
#include <cstddef>
#include <dirent.h>
#include <map>
#include <set>
#include <vector>

using namespace conf;

namespace {

struct Entry {
  std::string name;
  ino64_t ino;
  off64_t off;
  unsigned char type;
  unsigned short reclen;
};

struct Dirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

long Getdents64(int fd, void* buf, size_t count) {
  return syscall(SYS_getdents64, fd, buf, count);
}

// Parses one getdents64 result; fails the test on malformed records.
std::vector<Entry> Parse(const char* buf, long n) {
  std::vector<Entry> out;
  long pos = 0;
  while (pos < n) {
    auto* d = reinterpret_cast<const Dirent64*>(buf + pos);
    EXPECT_GE(d->d_reclen, offsetof(Dirent64, d_name) + 2) << "record at " << pos;
    EXPECT_EQ(d->d_reclen % 8, 0) << "record at " << pos;
    if (d->d_reclen == 0) break;
    size_t namelen = strnlen(d->d_name, d->d_reclen - offsetof(Dirent64, d_name));
    EXPECT_LT(offsetof(Dirent64, d_name) + namelen, d->d_reclen) << "name not NUL-terminated";
    out.push_back({std::string(d->d_name, namelen), d->d_ino, d->d_off, d->d_type, d->d_reclen});
    pos += d->d_reclen;
  }
  EXPECT_EQ(pos, n);
  return out;
}

std::vector<Entry> ReadAll(int fd, size_t bufsize, int* calls = nullptr) {
  std::vector<char> buf(bufsize);
  std::vector<Entry> all;
  int c = 0;
  for (;;) {
    long n = Getdents64(fd, buf.data(), buf.size());
    EXPECT_GE(n, 0) << ErrnoName(errno);
    if (n <= 0) break;
    ++c;
    auto part = Parse(buf.data(), n);
    all.insert(all.end(), part.begin(), part.end());
    if (c > 1000) break;
  }
  if (calls) *calls = c;
  return all;
}

std::multiset<std::string> Names(const std::vector<Entry>& v) {
  std::multiset<std::string> s;
  for (auto& e : v) s.insert(e.name);
  return s;
}

const std::multiset<std::string> kDirNames = {".", "..", "link", "one", "sub", "two"};

}  // namespace

TEST(Getdents64, ListsAllEntriesIncludingDotAndDotDot) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  auto entries = ReadAll(fd, 4096);
  EXPECT_EQ(Names(entries), kDirNames);
}

TEST(Getdents64, TypesMatchTheFixturesAndInodesAreNonZero) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  std::map<std::string, unsigned char> want = {
      {".", DT_DIR}, {"..", DT_DIR}, {"one", DT_REG}, {"two", DT_REG},
      {"sub", DT_DIR}, {"link", DT_LNK}};
  for (auto& e : ReadAll(fd, 4096)) {
    EXPECT_NE(e.ino, 0u) << e.name;
    // DT_UNKNOWN is allowed by the ABI; anything else must be right.
    if (e.type != DT_UNKNOWN) {
      EXPECT_EQ(e.type, want[e.name]) << e.name;
    }
  }
}

TEST(Getdents64, EndOfDirectoryReturnsZeroRepeatedly) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  ReadAll(fd, 4096);
  char buf[4096];
  EXPECT_EQ(Getdents64(fd, buf, sizeof buf), 0);
  EXPECT_EQ(Getdents64(fd, buf, sizeof buf), 0);
}

TEST(Getdents64, SmallBufferContinuesAcrossCalls) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  int calls = 0;
  // Every record here is 24 bytes, so a 32-byte buffer holds exactly one.
  auto entries = ReadAll(fd, 32, &calls);
  EXPECT_EQ(Names(entries), kDirNames);
  EXPECT_EQ(calls, (int)kDirNames.size());
}

TEST(Getdents64, MediumBufferContinuesAcrossCalls) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  int calls = 0;
  auto entries = ReadAll(fd, 72, &calls);
  EXPECT_EQ(Names(entries), kDirNames);
  EXPECT_GT(calls, 1);
}

TEST(Getdents64, RewindWithLseekListsAgain) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  auto first = ReadAll(fd, 4096);
  ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
  auto second = ReadAll(fd, 4096);
  EXPECT_EQ(Names(first), Names(second));
}

TEST(Getdents64, SeekingToADOffResumesAfterThatEntry) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  auto all = ReadAll(fd, 4096);
  ASSERT_EQ(all.size(), kDirNames.size());
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    ASSERT_EQ(lseek(fd, all[i].off, SEEK_SET), all[i].off);
    char buf[32];
    long n = Getdents64(fd, buf, sizeof buf);
    ASSERT_GT(n, 0) << ErrnoName(errno);
    auto next = Parse(buf, n);
    ASSERT_EQ(next.size(), 1u);
    EXPECT_EQ(next[0].name, all[i + 1].name) << "after d_off of " << all[i].name;
  }
}

TEST(Getdents64, BufferTooSmallForOneEntryFailsWithEINVAL) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  char buf[64];
  EXPECT_ERRNO(EINVAL, Getdents64(fd, buf, 0));
  EXPECT_ERRNO(EINVAL, Getdents64(fd, buf, 1));
  EXPECT_ERRNO(EINVAL, Getdents64(fd, buf, 20));
  // Nothing was consumed.
  EXPECT_EQ(Names(ReadAll(fd, 4096)), kDirNames);
}

TEST(Getdents64, FileFailsWithENOTDIR) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  char buf[4096];
  EXPECT_ERRNO(ENOTDIR, Getdents64(fd, buf, sizeof buf));
}

TEST(Getdents64, BadFdFailsWithEBADF) {
  char buf[4096];
  EXPECT_ERRNO(EBADF, Getdents64(-1, buf, sizeof buf));
  EXPECT_ERRNO(EBADF, Getdents64(INT_MAX, buf, sizeof buf));
  ScopedFd path(OpenFixture("dir", O_PATH | O_DIRECTORY));
  ASSERT_SYS_OK(path.get());
  EXPECT_ERRNO(EBADF, Getdents64(path, buf, sizeof buf));
}

TEST(Getdents64, BadBufferFailsWithEFAULT) {
  ScopedFd fd(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, Getdents64(fd, kNullPtr, 4096));
  EXPECT_ERRNO(EFAULT, Getdents64(fd, kKernelPtr, 4096));
  EXPECT_ERRNO(EFAULT, Getdents64(fd, page.End(), 4096));
}

TEST(Getdents64, EmptyLookingDirectoryHasOnlyDotEntries) {
  ScopedFd fd(OpenFixture("dir/sub", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(Names(ReadAll(fd, 4096)), (std::multiset<std::string>{".", "..", "keep"}));
}
