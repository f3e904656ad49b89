// Copies between syscalls and guest memory at the edges of mappings: path
// strings that end exactly at a page followed by nothing, buffers that run
// into unmapped or past-EOF pages, and results written over their own
// arguments. Under lx these go through the copies that ride with the trap
// (prefetched arguments, writes applied at resume), so each case has the
// fault on a different side of the provider/stub boundary.
#include "common.h"

#include <sys/uio.h>

namespace {

constexpr size_t kPage = 4096;

// Two pages: the first readable and writable, the second unmapped.
struct PageThenHole {
  char* page = nullptr;
  PageThenHole() {
    void* p = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    page = static_cast<char*>(p);
    munmap(page + kPage, kPage);
  }
  ~PageThenHole() {
    if (page) munmap(page, kPage);
  }
  char* end() const { return page + kPage; }
};

// A private writable mapping of the 63-byte hello.txt two pages long: the
// second page lies wholly past EOF, so touching it is SIGBUS and a syscall
// copying into it fails with EFAULT.
struct PastEofMapping {
  int fd = -1;
  char* base = nullptr;
  PastEofMapping() {
    fd = open(conf::Fixture("hello.txt").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    void* p = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) base = static_cast<char*>(p);
  }
  ~PastEofMapping() {
    if (base) munmap(base, 2 * kPage);
    if (fd >= 0) close(fd);
  }
  char* past_eof() const { return base + kPage; }
};

TEST(UserCopy, PathEndingOnTheLastByteBeforeAHoleOpens) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  const std::string path = conf::Fixture("hello.txt");
  char* s = m.end() - (path.size() + 1);
  std::memcpy(s, path.c_str(), path.size() + 1);
  int fd = open(s, O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << strerror(errno);
  close(fd);
  struct stat st {};
  EXPECT_EQ(stat(s, &st), 0);
  EXPECT_EQ(st.st_size, static_cast<off_t>(conf::kHelloSize));
}

TEST(UserCopy, PathRunningIntoAHoleIsEfault) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  std::memset(m.end() - 16, 'a', 16);  // no NUL before the hole
  struct stat st {};
  errno = 0;
  EXPECT_EQ(stat(m.end() - 16, &st), -1);
  EXPECT_EQ(errno, EFAULT);
  errno = 0;
  EXPECT_EQ(openat(AT_FDCWD, m.end() - 16, O_RDONLY), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(UserCopy, PathStartingInAHoleIsEfault) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  struct stat st {};
  errno = 0;
  EXPECT_EQ(lstat(m.end(), &st), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(UserCopy, XattrNameRunningIntoAHoleIsEfault) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  std::memset(m.end() - 8, 'u', 8);
  char value[16];
  errno = 0;
  EXPECT_EQ(syscall(SYS_getxattr, conf::Fixture("hello.txt").c_str(), m.end() - 8, value, sizeof value), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(UserCopy, StatResultWrittenOverItsOwnPathArgument) {
  alignas(struct stat) char buf[sizeof(struct stat) + 256] = {};
  const std::string path = conf::Fixture("hello.txt");
  ASSERT_LT(path.size(), sizeof buf);
  std::memcpy(buf, path.c_str(), path.size() + 1);
  // The raw syscall: the libc prototype forbids the aliasing we test.
  ASSERT_EQ(syscall(SYS_newfstatat, AT_FDCWD, buf, buf, 0), 0) << strerror(errno);
  struct stat st {};
  std::memcpy(&st, buf, sizeof st);
  EXPECT_EQ(st.st_size, static_cast<off_t>(conf::kHelloSize));
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

TEST(UserCopy, StatIntoAPagePastEofIsEfault) {
  PastEofMapping m;
  ASSERT_NE(m.base, nullptr);
  errno = 0;
  EXPECT_EQ(stat(conf::Fixture("hello.txt").c_str(), reinterpret_cast<struct stat*>(m.past_eof())), -1);
  EXPECT_EQ(errno, EFAULT);
  // The part of the mapping that holds the file is ordinary memory.
  struct stat* inside = reinterpret_cast<struct stat*>(m.base + 64);
  EXPECT_EQ(stat(conf::Fixture("hello.txt").c_str(), inside), 0);
  EXPECT_EQ(inside->st_size, static_cast<off_t>(conf::kHelloSize));
}

TEST(UserCopy, ReadIntoAPagePastEofIsEfault) {
  PastEofMapping m;
  ASSERT_NE(m.base, nullptr);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(write(p[1], "abcdefgh", 8), 8);
  errno = 0;
  EXPECT_EQ(read(p[0], m.past_eof(), 8), -1);
  EXPECT_EQ(errno, EFAULT);
  close(p[0]);
  close(p[1]);
}

TEST(UserCopy, WriteFromTheBytesBeforeAHoleAndFromTheHole) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  std::memcpy(m.end() - 8, "12345678", 8);
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(write(p[1], m.end() - 8, 8), 8);
  char got[8];
  ASSERT_EQ(read(p[0], got, 8), 8);
  EXPECT_EQ(std::memcmp(got, "12345678", 8), 0);
  errno = 0;
  EXPECT_EQ(write(p[1], m.end(), 8), -1);
  EXPECT_EQ(errno, EFAULT);
  close(p[0]);
  close(p[1]);
}

TEST(UserCopy, ReadlinkResultLandsBeforeTheHole) {
  PageThenHole m;
  ASSERT_NE(m.page, nullptr);
  const std::string link = conf::Fixture("rel_link");
  // "hello.txt" is 9 bytes: exactly the last 9 bytes of the page.
  EXPECT_EQ(readlink(link.c_str(), m.end() - 9, 9), 9);
  EXPECT_EQ(std::memcmp(m.end() - 9, "hello.txt", 9), 0);
}

TEST(UserCopy, ResultsOfBackToBackCallsAreEachComplete) {
  // Many small results in a row, each read back right after its call: a
  // write applied late or lost would show up as a stale value.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  for (int i = 0; i < 200; ++i) {
    uint32_t out = 0xabcd0000u + static_cast<uint32_t>(i), in = 0;
    ASSERT_EQ(write(p[1], &out, sizeof out), static_cast<ssize_t>(sizeof out));
    ASSERT_EQ(read(p[0], &in, sizeof in), static_cast<ssize_t>(sizeof in));
    ASSERT_EQ(in, out);
    struct stat st {};
    ASSERT_EQ(fstat(p[0], &st), 0);
    ASSERT_TRUE(S_ISFIFO(st.st_mode));
  }
  close(p[0]);
  close(p[1]);
}

}  // namespace
