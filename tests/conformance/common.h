// Shared helpers for the conformance programs. Every program is linked
// statically and runs twice: on the host kernel and under `lx run --`. The
// host kernel is the oracle, so nothing here may depend on lx.
//
// Rules for conformance programs: no fork, no threads, no death tests, no
// signal delivery, and no writes to the filesystem (under lx the root is
// read-only). Read the checked-in fixtures instead.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef LX_FIXTURES
#error "LX_FIXTURES must name the absolute path of tests/conformance/fixtures"
#endif

namespace conf {

// ---- fixtures (tests/conformance/fixtures) ----
//   hello.txt  kHelloText (63 bytes)      empty      zero bytes
//   dir/       one (4 bytes) two (8 bytes) sub/ (holds keep) link -> one
//   rel_link -> hello.txt    abs_link -> /etc/passwd   dangling -> does-not-exist
//   loop_a -> loop_b -> loop_a                         dir_link -> dir
inline constexpr char kFixtures[] = LX_FIXTURES;
inline constexpr char kHelloText[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n";
inline constexpr size_t kHelloSize = sizeof(kHelloText) - 1;  // 63

inline std::string Fixture(const char* rel) {
  return std::string(kFixtures) + "/" + rel;
}

// Hides a value from the optimizer, so deliberately bad arguments reach the
// syscall instead of tripping compile-time checks (-Wnonnull, -Wstringop-*).
template <typename T>
inline T Opaque(T v) {
  asm volatile("" : "+r"(v));
  return v;
}

// ---- pointers no syscall may dereference ----
inline void* const kNullPtr = Opaque<void*>(nullptr);
inline void* const kOnePtr = Opaque(reinterpret_cast<void*>(1));
inline void* const kKernelPtr = Opaque(reinterpret_cast<void*>(0xffff800000000000UL));
inline void* const kNonCanonicalPtr = Opaque(reinterpret_cast<void*>(0x0000800000000000UL));

inline size_t PageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// One read/write page followed by a PROT_NONE guard page: End() is the first
// inaccessible byte, so End() - n is an n-byte buffer right at the edge.
class GuardedPage {
 public:
  GuardedPage() {
    size_t page = PageSize();
    void* p = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort();
    base_ = static_cast<char*>(p);
    if (mprotect(base_ + page, page, PROT_NONE) != 0) abort();
  }
  ~GuardedPage() { munmap(base_, 2 * PageSize()); }
  GuardedPage(const GuardedPage&) = delete;
  GuardedPage& operator=(const GuardedPage&) = delete;

  char* Begin() const { return base_; }
  char* End() const { return base_ + PageSize(); }
  // A string of `len` copies of `c` ending exactly at End(), with no NUL.
  char* UnterminatedString(size_t len, char c = 'a') const {
    char* s = End() - len;
    memset(s, c, len);
    return s;
  }

 private:
  char* base_ = nullptr;
};

// ---- errno assertions ----
inline std::string ErrnoName(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : ("errno " + std::to_string(e));
}

inline ::testing::AssertionResult FailedWith(long ret, int err, int expected,
                                             const char* expr) {
  if (ret == -1 && err == expected) return ::testing::AssertionSuccess();
  auto r = ::testing::AssertionFailure();
  r << expr << ": expected -1 with " << ErrnoName(expected) << ", got " << ret;
  if (ret == -1) r << " with " << ErrnoName(err);
  return r;
}

inline ::testing::AssertionResult Succeeded(long ret, int err, const char* expr) {
  if (ret != -1) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expr << ": expected success, failed with " << ErrnoName(err);
}

}  // namespace conf

// EXPECT_ERRNO(EBADF, read(-1, buf, 1)): the call returns -1 (or MAP_FAILED)
// and sets errno to exactly the given value.
#define CONF_ERRNO_CHECK_(kind, expected, ...)                               \
  do {                                                                       \
    errno = 0;                                                               \
    long conf_ret_ = (long)(__VA_ARGS__);                                    \
    int conf_err_ = errno;                                                   \
    kind##_TRUE(::conf::FailedWith(conf_ret_, conf_err_, expected, #__VA_ARGS__)); \
  } while (0)
#define EXPECT_ERRNO(expected, ...) CONF_ERRNO_CHECK_(EXPECT, expected, __VA_ARGS__)
#define ASSERT_ERRNO(expected, ...) CONF_ERRNO_CHECK_(ASSERT, expected, __VA_ARGS__)

// EXPECT_SYS_OK(fstat(fd, &st)): the call does not return -1.
#define CONF_OK_CHECK_(kind, ...)                                            \
  do {                                                                       \
    errno = 0;                                                               \
    long conf_ret_ = (long)(__VA_ARGS__);                                    \
    int conf_err_ = errno;                                                   \
    kind##_TRUE(::conf::Succeeded(conf_ret_, conf_err_, #__VA_ARGS__));      \
  } while (0)
#define EXPECT_SYS_OK(...) CONF_OK_CHECK_(EXPECT, __VA_ARGS__)
#define ASSERT_SYS_OK(...) CONF_OK_CHECK_(ASSERT, __VA_ARGS__)

// An fd that closes itself.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() { if (fd_ >= 0) close(fd_); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
  operator int() const { return fd_; }

 private:
  int fd_;
};

inline int OpenFixture(const char* rel, int flags = O_RDONLY) {
  return open(conf::Fixture(rel).c_str(), flags);
}
