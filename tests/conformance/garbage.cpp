// Garbage arguments: every syscall the other conformance programs cover, fed
// bad pointers (NULL, 1, the kernel half, the first non-canonical address,
// the first byte of a guard page), huge lengths and invalid flags, many times
// over. Each must fail with exactly the errno Linux gives (or, where Linux
// ignores the garbage, succeed exactly as Linux does) and never crash.
#include "common.h"

#include <asm/prctl.h>
#include <climits>
#include <csignal>
#include <ctime>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <termios.h>
#include <vector>

using namespace conf;

namespace {

constexpr int kRepeat = 100;

// The guard page and the buffers right before it, shared by all tests.
GuardedPage& Page() {
  static GuardedPage page;
  return page;
}

// Pointers no syscall can read or write through.
std::vector<void*> BadPointers() {
  return {kOnePtr, kKernelPtr, kNonCanonicalPtr, Page().End(),
          reinterpret_cast<void*>(~0UL)};
}
// The same plus NULL (some calls treat NULL as "no argument").
std::vector<void*> BadPointersAndNull() {
  auto v = BadPointers();
  v.push_back(kNullPtr);
  return v;
}
// Pointers outside the user address range: refused by the up-front range
// check (access_ok) that read/write do before looking at the file.
std::vector<void*> OutOfRangePointers() {
  return {kKernelPtr, kNonCanonicalPtr, reinterpret_cast<void*>(~0UL)};
}
// Unmapped but inside the user range: only found out when dereferenced.
std::vector<void*> InRangeBadPointers() { return {kNullPtr, kOnePtr, Page().End()}; }

// A length far beyond the buffer that still keeps buffer + length inside the
// user address space (mmap leaves at least 128 MiB below the top).
constexpr size_t kHugeInRangeLength = 1UL << 26;

bool StdoutDiscards() {
  struct stat st;
  return fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

}  // namespace

// Runs the expression kRepeat times; each run must fail with `expected`.
#define EXPECT_ERRNO_EVERY_TIME(expected, ...)                                 \
  do {                                                                         \
    for (int conf_i_ = 0; conf_i_ < kRepeat; ++conf_i_) {                      \
      errno = 0;                                                               \
      long conf_ret_ = (long)(__VA_ARGS__);                                    \
      int conf_err_ = errno;                                                   \
      auto conf_res_ = ::conf::FailedWith(conf_ret_, conf_err_, expected, #__VA_ARGS__); \
      if (!conf_res_) {                                                        \
        ADD_FAILURE() << conf_res_.message() << " (iteration " << conf_i_ << ")"; \
        break;                                                                 \
      }                                                                        \
    }                                                                          \
  } while (0)

// Runs the expression kRepeat times; each run must return `expected`.
#define EXPECT_RESULT_EVERY_TIME(expected, ...)                                \
  do {                                                                         \
    for (int conf_i_ = 0; conf_i_ < kRepeat; ++conf_i_) {                      \
      errno = 0;                                                               \
      long conf_ret_ = (long)(__VA_ARGS__);                                    \
      if (conf_ret_ != (long)(expected)) {                                     \
        ADD_FAILURE() << #__VA_ARGS__ << ": expected " << (long)(expected)     \
                      << ", got " << conf_ret_                                 \
                      << (conf_ret_ == -1 ? " " + ErrnoName(errno) : "")       \
                      << " (iteration " << conf_i_ << ")";                     \
        break;                                                                 \
      }                                                                        \
    }                                                                          \
  } while (0)

class Garbage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_SYS_OK(file_ = OpenFixture("hello.txt"));
    ASSERT_SYS_OK(dir_ = OpenFixture("dir", O_RDONLY | O_DIRECTORY));
    ASSERT_SYS_OK(null_ = open("/dev/null", O_WRONLY));
    path_ = Fixture("hello.txt");
    link_ = Fixture("rel_link");
  }
  void TearDown() override {
    close(file_);
    close(dir_);
    close(null_);
  }
  int file_ = -1, dir_ = -1, null_ = -1;
  std::string path_, link_;
  char buf_[256] = {};
};

TEST_F(Garbage, Read) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, read(file_, p, 16));
    EXPECT_ERRNO_EVERY_TIME(EBADF, read(-1, p, 16));
    EXPECT_ERRNO_EVERY_TIME(EBADF, read(INT_MAX, p, 16));
    EXPECT_ERRNO_EVERY_TIME(EBADF, read(null_, p, 16));  // write-only fd
  }
  // The buffer range is checked before the file type; the buffer's contents
  // are only touched by the file's own read.
  for (void* p : OutOfRangePointers()) EXPECT_ERRNO_EVERY_TIME(EFAULT, read(dir_, p, 16));
  for (void* p : InRangeBadPointers()) EXPECT_ERRNO_EVERY_TIME(EISDIR, read(dir_, p, 16));
  // A range that wraps or leaves user space is refused before any copy.
  EXPECT_ERRNO_EVERY_TIME(EFAULT, read(file_, buf_, Opaque(SIZE_MAX)));
  EXPECT_ERRNO_EVERY_TIME(EFAULT, read(file_, buf_, Opaque((size_t)SSIZE_MAX + 1)));
  EXPECT_EQ(lseek(file_, 0, SEEK_CUR), 0);
  // A huge but in-range length is clamped: the file just ends.
  EXPECT_RESULT_EVERY_TIME(kHelloSize, pread(file_, Page().Begin(), kHugeInRangeLength, 0));
}

TEST_F(Garbage, Write) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EBADF, write(file_, p, 16));  // read-only fd
    EXPECT_ERRNO_EVERY_TIME(EBADF, write(dir_, p, 16));
    EXPECT_ERRNO_EVERY_TIME(EBADF, write(-1, p, 16));
  }
  // /dev/null checks the range but never reads the bytes.
  for (void* p : OutOfRangePointers()) EXPECT_ERRNO_EVERY_TIME(EFAULT, write(null_, p, 16));
  for (void* p : InRangeBadPointers()) EXPECT_RESULT_EVERY_TIME(16, write(null_, p, 16));
  EXPECT_ERRNO_EVERY_TIME(EFAULT, write(null_, buf_, Opaque(SIZE_MAX)));
  if (!StdoutDiscards()) {
    for (void* p : BadPointersAndNull()) EXPECT_ERRNO_EVERY_TIME(EFAULT, write(1, p, 16));
  }
}

TEST_F(Garbage, ReadvWritev) {
  struct iovec bad_base[1], huge_len[2] = {{buf_, 1}, {buf_, (size_t)SSIZE_MAX + 1}};
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, readv(file_, (struct iovec*)p, 1));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, writev(null_, (struct iovec*)p, 1));
    EXPECT_ERRNO_EVERY_TIME(EBADF, readv(-1, (struct iovec*)p, 1));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, readv(file_, (struct iovec*)p, Opaque(-1)));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, writev(null_, (struct iovec*)p, IOV_MAX + 1));
    bad_base[0] = {p, 8};
    EXPECT_ERRNO_EVERY_TIME(EFAULT, readv(file_, bad_base, 1));
  }
  EXPECT_ERRNO_EVERY_TIME(EINVAL, readv(file_, huge_len, 2));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, writev(null_, huge_len, 2));
  // The kernel takes the segment count as a 32-bit unsigned: 2^40 is zero
  // segments, so nothing is read.
  EXPECT_RESULT_EVERY_TIME(0, syscall(SYS_readv, file_, kNullPtr, 1UL << 40));
  EXPECT_EQ(lseek(file_, 0, SEEK_CUR), 0);
}

TEST_F(Garbage, PreadPwrite) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, pread(file_, p, 16, 0));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_pread64, file_, p, 16, -1L));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_pread64, -1, p, 16, LONG_MIN));
    EXPECT_ERRNO_EVERY_TIME(EBADF, pread(-1, p, 16, 0));
    EXPECT_ERRNO_EVERY_TIME(EBADF, pwrite(file_, p, 16, 0));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_pwrite64, null_, p, 16, -4096L));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, pread(file_, buf_, Opaque(SIZE_MAX), 0));
}

TEST_F(Garbage, Lseek) {
  for (int whence : {-1, 5, 42, INT_MAX, INT_MIN}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, lseek(file_, 0, whence));
    EXPECT_ERRNO_EVERY_TIME(EBADF, lseek(-1, 0, whence));
  }
  EXPECT_ERRNO_EVERY_TIME(EINVAL, lseek(file_, LONG_MIN, SEEK_SET));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, lseek(file_, LONG_MIN, SEEK_END));
  EXPECT_EQ(lseek(file_, 0, SEEK_CUR), 0);
}

TEST_F(Garbage, OpenAndOpenat) {
  char* unterminated = Page().UnterminatedString(64);
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_open, p, O_RDONLY));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_openat, AT_FDCWD, p, O_RDONLY));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_openat, -1, p, O_RDONLY));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_open, unterminated, O_RDONLY));
  EXPECT_ERRNO_EVERY_TIME(EBADF, openat(-1, "hello.txt", O_RDONLY));
  EXPECT_ERRNO_EVERY_TIME(EBADF, openat(INT_MIN + 1, "hello.txt", O_RDONLY));
  EXPECT_ERRNO_EVERY_TIME(ENOTDIR, openat(file_, "hello.txt", O_RDONLY));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, open(kFixtures, O_TMPFILE | O_RDONLY, 0600));
  std::string long_path(PATH_MAX + 10, 'a');
  EXPECT_ERRNO_EVERY_TIME(ENAMETOOLONG, open(long_path.c_str(), O_RDONLY));
}

TEST_F(Garbage, CloseDupFcntl) {
  for (int fd : {-1, INT_MAX, INT_MIN, 4095, 1 << 20}) {
    EXPECT_ERRNO_EVERY_TIME(EBADF, close(fd));
    EXPECT_ERRNO_EVERY_TIME(EBADF, dup(fd));
    EXPECT_ERRNO_EVERY_TIME(EBADF, dup2(fd, 300));
    EXPECT_ERRNO_EVERY_TIME(EBADF, dup3(fd, 300, 0));
    EXPECT_ERRNO_EVERY_TIME(EBADF, fcntl(fd, F_GETFD));
    EXPECT_ERRNO_EVERY_TIME(EBADF, fcntl(fd, F_DUPFD, 0));
  }
  for (int flags : {1, O_NONBLOCK, ~O_CLOEXEC, -1}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, dup3(file_, 300, flags));
  }
  EXPECT_ERRNO_EVERY_TIME(EINVAL, dup3(file_, file_, 0));
  EXPECT_ERRNO_EVERY_TIME(EBADF, dup2(file_, -1));
  EXPECT_ERRNO_EVERY_TIME(EBADF, dup2(file_, INT_MAX));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, fcntl(file_, F_DUPFD, -5));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, fcntl(file_, F_DUPFD_CLOEXEC, INT_MAX));
  for (int cmd : {-1, 0x7fff, 1000, INT_MAX}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_fcntl, file_, cmd, 0));
  }
  EXPECT_ERRNO_EVERY_TIME(EBADF, fcntl(300, F_GETFD));  // nothing leaked
}

TEST_F(Garbage, StatFamily) {
  struct stat st;
  char* straddling = Page().End() - sizeof(struct stat) + 8;
  std::vector<void*> bufs = BadPointersAndNull();
  bufs.push_back(straddling);
  for (void* p : bufs) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_stat, path_.c_str(), p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_lstat, link_.c_str(), p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_fstat, file_, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_newfstatat, AT_FDCWD, path_.c_str(), p, 0));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_newfstatat, file_, "", p, AT_EMPTY_PATH));
    EXPECT_ERRNO_EVERY_TIME(EBADF, syscall(SYS_fstat, -1, p));
    EXPECT_ERRNO_EVERY_TIME(ENOENT, syscall(SYS_stat, "", p));
  }
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_stat, p, &st));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_lstat, p, &st));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_newfstatat, AT_FDCWD, p, &st, 0));
  }
  // (Made after the loop above: a failed store fills the page partially.)
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_stat, Page().UnterminatedString(64), &st));
  for (int flags : {1, 0x40000000, -1, AT_REMOVEDIR, AT_SYMLINK_FOLLOW}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_newfstatat, AT_FDCWD, path_.c_str(), &st, flags));
  }
}

TEST_F(Garbage, Getdents64) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_getdents64, dir_, p, 4096));
    EXPECT_ERRNO_EVERY_TIME(EBADF, syscall(SYS_getdents64, -1, p, 4096));
    EXPECT_ERRNO_EVERY_TIME(ENOTDIR, syscall(SYS_getdents64, file_, p, 4096));
  }
  for (unsigned count : {0u, 1u, 8u, 23u}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_getdents64, dir_, buf_, count));
  }
  // Nothing was consumed by any of the above.
  long all = syscall(SYS_getdents64, dir_, Page().Begin(), 4096);
  ASSERT_GT(all, 0);
  // A huge count over a small buffer is fine as long as the entries fit...
  EXPECT_RESULT_EVERY_TIME(all, (lseek(dir_, 0, SEEK_SET),
                                 syscall(SYS_getdents64, dir_, Page().Begin(), kHugeInRangeLength)));
  // ... but the kernel keeps the count in an int: above INT_MAX it is
  // negative and no entry fits.
  for (unsigned count : {UINT_MAX, (unsigned)INT_MAX + 1}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, (lseek(dir_, 0, SEEK_SET),
                                     syscall(SYS_getdents64, dir_, Page().Begin(), count)));
  }
}

TEST_F(Garbage, ReadlinkAndReadlinkat) {
  char* unterminated = Page().UnterminatedString(64);
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_readlink, link_.c_str(), p, 64));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_readlinkat, AT_FDCWD, link_.c_str(), p, 64));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_readlink, p, buf_, 64));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_readlink, path_.c_str(), p, 64));  // not a link
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_readlink, link_.c_str(), p, 0));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_readlink, unterminated, buf_, 64));
  for (int size : {0, -1, INT_MIN}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_readlink, link_.c_str(), buf_, size));
  }
  EXPECT_ERRNO_EVERY_TIME(EBADF, readlinkat(-1, "rel_link", buf_, 64));
  // A huge size is only an upper bound.
  EXPECT_RESULT_EVERY_TIME(9, syscall(SYS_readlink, link_.c_str(), Page().Begin(), INT_MAX));
}

TEST_F(Garbage, GetcwdChdirFchdir) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_getcwd, p, PATH_MAX));
    EXPECT_ERRNO_EVERY_TIME(ERANGE, syscall(SYS_getcwd, p, 0));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_chdir, p));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_chdir, Page().UnterminatedString(64)));
  for (int fd : {-1, INT_MAX, 4095}) EXPECT_ERRNO_EVERY_TIME(EBADF, fchdir(fd));
  EXPECT_ERRNO_EVERY_TIME(ENOTDIR, fchdir(file_));
  char cwd[PATH_MAX];
  long n = syscall(SYS_getcwd, cwd, sizeof cwd);
  ASSERT_GT(n, 0);
  EXPECT_RESULT_EVERY_TIME(n, syscall(SYS_getcwd, Page().Begin(), SIZE_MAX));
}

TEST_F(Garbage, AccessFamily) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_access, p, F_OK));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_faccessat, AT_FDCWD, p, R_OK));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_faccessat2, AT_FDCWD, p, R_OK, 0));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_access, p, 8));
  }
  for (int mode : {8, -1, 0x100, INT_MIN}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_access, path_.c_str(), mode));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_faccessat, AT_FDCWD, path_.c_str(), mode));
  }
  for (int flags : {1, -1, AT_SYMLINK_FOLLOW, 0x40000000}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_faccessat2, AT_FDCWD, path_.c_str(), F_OK, flags));
  }
  EXPECT_ERRNO_EVERY_TIME(EBADF, syscall(SYS_faccessat, -1, "hello.txt", F_OK));
}

TEST_F(Garbage, Brk) {
  long cur = syscall(SYS_brk, 0);
  ASSERT_GT(cur, 0);
  for (void* p : {kOnePtr, kKernelPtr, kNonCanonicalPtr, reinterpret_cast<void*>(~0UL),
                  reinterpret_cast<void*>(0x7ffffffff000UL)}) {
    EXPECT_RESULT_EVERY_TIME(cur, syscall(SYS_brk, p));
  }
}

TEST_F(Garbage, Mmap) {
  const size_t page = PageSize();
  const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(nullptr, 0, PROT_READ, anon, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mmap(nullptr, SIZE_MAX, PROT_READ, anon, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mmap(nullptr, 1UL << 47, PROT_READ, anon, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(nullptr, page, PROT_READ, MAP_ANONYMOUS, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(nullptr, page, PROT_READ,
                                       MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(kOnePtr, page, PROT_READ, anon | MAP_FIXED, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mmap(kKernelPtr, page, PROT_READ, anon | MAP_FIXED, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mmap(kNonCanonicalPtr, page, PROT_READ, anon | MAP_FIXED, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, file_, 1));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, file_, page - 1));
  EXPECT_ERRNO_EVERY_TIME(EBADF, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EBADF, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, INT_MAX, 0));
  EXPECT_ERRNO_EVERY_TIME(EACCES, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, null_, 0));
  EXPECT_ERRNO_EVERY_TIME(ENODEV, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, dir_, 0));
  EXPECT_ERRNO_EVERY_TIME(EACCES, mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, file_, 0));
  EXPECT_ERRNO_EVERY_TIME(EEXIST, mmap(Page().Begin(), page, PROT_READ,
                                       anon | MAP_FIXED_NOREPLACE, -1, 0));
  EXPECT_ERRNO_EVERY_TIME(EOVERFLOW, mmap(nullptr, page, PROT_READ, MAP_PRIVATE, file_,
                                          (off_t)(~0UL & ~(page - 1))));
}

TEST_F(Garbage, MunmapMprotect) {
  const size_t page = PageSize();
  char* p = Page().Begin();
  EXPECT_ERRNO_EVERY_TIME(EINVAL, munmap(p + 1, page));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, munmap(p, 0));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, munmap(kKernelPtr, page));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, munmap(kNonCanonicalPtr, page));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, munmap(p, SIZE_MAX));
  EXPECT_ERRNO_EVERY_TIME(EINVAL, mprotect(p + 1, page, PROT_READ | PROT_WRITE));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mprotect(kKernelPtr, page, PROT_READ));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mprotect(kNonCanonicalPtr, page, PROT_READ));
  EXPECT_ERRNO_EVERY_TIME(ENOMEM, mprotect(p, SIZE_MAX, PROT_READ | PROT_WRITE));
  for (int prot : {0x10, 0x100, -1, PROT_GROWSDOWN | PROT_GROWSUP | PROT_READ}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, mprotect(p, page, prot));
  }
  // The page is still intact and writable after all that.
  p[0] = 'z';
  EXPECT_EQ(p[0], 'z');
}

TEST_F(Garbage, UnameSysinfo) {
  std::vector<void*> bufs = BadPointersAndNull();
  bufs.push_back(Page().End() - 100);
  for (void* p : bufs) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_uname, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_sysinfo, p));
  }
}

TEST_F(Garbage, Clocks) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_clock_gettime, CLOCK_REALTIME, p));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_clock_gettime, 100, p));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_clock_gettime, INT_MAX, p));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, Page().End() - 8));
  EXPECT_RESULT_EVERY_TIME(0, syscall(SYS_clock_getres, CLOCK_MONOTONIC, nullptr));
}

TEST_F(Garbage, Getrandom) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_getrandom, p, 16, 0));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_getrandom, p, 16, 0x80));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_getrandom, p, 16, -1));
  }
  EXPECT_RESULT_EVERY_TIME(0, syscall(SYS_getrandom, nullptr, 0, 0));
}

TEST_F(Garbage, Rlimits) {
  for (void* p : BadPointers()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_getrlimit, RLIMIT_NOFILE, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, p, nullptr));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_getrlimit, 1000, p));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_prlimit64, 0, -1, nullptr, p));
    // The new limit is copied in before the resource is judged.
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_prlimit64, 0, -1, p, nullptr));
  }
  EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_getrlimit, RLIMIT_NOFILE, nullptr));
  EXPECT_RESULT_EVERY_TIME(0, syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, nullptr));
  EXPECT_ERRNO_EVERY_TIME(ESRCH, syscall(SYS_prlimit64, INT_MAX, RLIMIT_NOFILE, nullptr, nullptr));
}

TEST_F(Garbage, SetTidAddressAcceptsAnything) {
  long tid = syscall(SYS_gettid);
  for (void* p : BadPointersAndNull()) {
    EXPECT_RESULT_EVERY_TIME(tid, syscall(SYS_set_tid_address, p));
  }
  static int slot;
  EXPECT_EQ(syscall(SYS_set_tid_address, &slot), tid);
}

TEST_F(Garbage, ArchPrctl) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_arch_prctl, ARCH_GET_FS, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_arch_prctl, ARCH_GET_GS, p));
  }
  for (int code : {0, 0x9999, -1}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_arch_prctl, code, buf_));
  }
  EXPECT_ERRNO_EVERY_TIME(EPERM, syscall(SYS_arch_prctl, ARCH_SET_FS, kKernelPtr));
  EXPECT_ERRNO_EVERY_TIME(EPERM, syscall(SYS_arch_prctl, ARCH_SET_FS, kNonCanonicalPtr));
  EXPECT_ERRNO_EVERY_TIME(EPERM, syscall(SYS_arch_prctl, ARCH_SET_FS, ~0UL));
}

TEST_F(Garbage, RtSigactionAndSigprocmask) {
  for (void* p : BadPointers()) {
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, p, nullptr, 8));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigaction, SIGUSR1, nullptr, p, 8));
    // The new action is copied in before the signal number is judged.
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigaction, SIGKILL, p, nullptr, 8));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigaction, SIGUSR1, p, p, 4));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, nullptr, 8));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, p, 8));
    // ... and the new mask before `how`.
    EXPECT_ERRNO_EVERY_TIME(EFAULT, syscall(SYS_rt_sigprocmask, 99, p, nullptr, 8));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigprocmask, SIG_BLOCK, p, p, 16));
  }
  for (int sig : {0, -1, 65, 1000, INT_MIN}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigaction, sig, nullptr, nullptr, 8));
  }
  uint64_t set = 0;
  for (int how : {-1, 3, 99, INT_MAX}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigprocmask, how, &set, nullptr, 8));
    EXPECT_RESULT_EVERY_TIME(0, syscall(SYS_rt_sigprocmask, how, nullptr, nullptr, 8));
  }
  for (size_t size : {0UL, 4UL, 7UL, 9UL, 128UL, SIZE_MAX}) {
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigaction, SIGUSR1, nullptr, nullptr, size));
    EXPECT_ERRNO_EVERY_TIME(EINVAL, syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, nullptr, size));
  }
}

TEST_F(Garbage, Ioctl) {
  for (void* p : BadPointersAndNull()) {
    EXPECT_ERRNO_EVERY_TIME(EBADF, ioctl(-1, TCGETS, p));
    EXPECT_ERRNO_EVERY_TIME(ENOTTY, ioctl(file_, TCGETS, p));
    EXPECT_ERRNO_EVERY_TIME(ENOTTY, ioctl(dir_, TIOCGWINSZ, p));
    EXPECT_ERRNO_EVERY_TIME(EFAULT, ioctl(file_, FIONREAD, p));
  }
  for (unsigned long req : {0UL, 0x12345678UL, ~0UL}) {
    EXPECT_ERRNO_EVERY_TIME(ENOTTY, ioctl(file_, req, buf_));
  }
}
