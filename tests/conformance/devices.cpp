// Device nodes: the memory devices (null, zero, full, random, urandom),
// the standard /dev entries, device numbers in stat, mknod of character
// devices by root (a node anywhere opens the kernel's driver for its
// number) and /dev/pts as devpts.
#include "common.h"

#include <sys/statfs.h>
#include <sys/wait.h>

#include <dirent.h>

#include <set>
#include <string>

#include "tmpdir.h"

using namespace conf;

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void ExpectCharDevice(const char* path, unsigned major_nr, unsigned minor_nr) {
  struct stat st{};
  ASSERT_EQ(0, stat(path, &st)) << path << ": " << strerror(errno);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << path;
  EXPECT_EQ(major_nr, major(st.st_rdev)) << path;
  EXPECT_EQ(minor_nr, minor(st.st_rdev)) << path;
}

// Runs fn in a child with the given euid; returns its exit status.
template <typename F>
int InChildAs(uid_t uid, F fn) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (setresuid(uid, uid, uid) != 0) _exit(100);
    _exit(fn());
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST(DevNodes, MemoryDevicesHaveLinuxNumbers) {
  ExpectCharDevice("/dev/null", 1, 3);
  ExpectCharDevice("/dev/zero", 1, 5);
  ExpectCharDevice("/dev/full", 1, 7);
  ExpectCharDevice("/dev/random", 1, 8);
  ExpectCharDevice("/dev/urandom", 1, 9);
}

TEST(DevNodes, TerminalDevicesHaveLinuxNumbers) {
  ExpectCharDevice("/dev/tty", 5, 0);
  ExpectCharDevice("/dev/ptmx", 5, 2);  // a node, or a link to pts/ptmx
  ExpectCharDevice("/dev/pts/ptmx", 5, 2);
}

TEST(DevNodes, StdioAndFdAreProcSelfLinks) {
  char buf[64] = {};
  ASSERT_GT(readlink("/dev/stdin", buf, sizeof buf - 1), 0);
  EXPECT_STREQ("/proc/self/fd/0", buf);
  std::memset(buf, 0, sizeof buf);
  ASSERT_GT(readlink("/dev/stdout", buf, sizeof buf - 1), 0);
  EXPECT_STREQ("/proc/self/fd/1", buf);
  std::memset(buf, 0, sizeof buf);
  ASSERT_GT(readlink("/dev/stderr", buf, sizeof buf - 1), 0);
  EXPECT_STREQ("/proc/self/fd/2", buf);
  std::memset(buf, 0, sizeof buf);
  ASSERT_GT(readlink("/dev/fd", buf, sizeof buf - 1), 0);
  EXPECT_STREQ("/proc/self/fd", buf);
}

TEST(DevNodes, ShmIsAWritableDirectory) {
  struct stat st{};
  ASSERT_EQ(0, stat("/dev/shm", &st));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  char path[] = "/dev/shm/lxconf-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0) << strerror(errno);
  close(fd);
  EXPECT_EQ(0, unlink(path));
}

TEST(DevNodes, ShmIsSticky) {
  struct stat st{};
  ASSERT_EQ(0, stat("/dev/shm", &st));
  EXPECT_EQ(01777u, st.st_mode & 07777);
}

TEST(DevNodes, PtsIsDevpts) {
  struct statfs sf{};
  ASSERT_EQ(0, statfs("/dev/pts", &sf));
  EXPECT_EQ(0x1cd1, sf.f_type);
  DIR* d = opendir("/dev/pts");
  ASSERT_NE(nullptr, d);
  std::set<std::string> names;
  while (dirent* e = readdir(d)) names.insert(e->d_name);
  closedir(d);
  EXPECT_TRUE(names.count("ptmx"));
  EXPECT_TRUE(names.count("."));
}

TEST(DevFd, OpensTheSameFile) {
  Fd fd(open(Fixture("hello.txt").c_str(), O_RDONLY));
  ASSERT_GE(fd.get(), 0);
  const std::string path = "/dev/fd/" + std::to_string(fd.get());
  Fd again(open(path.c_str(), O_RDONLY));
  ASSERT_GE(again.get(), 0) << strerror(errno);
  char buf[10] = {};
  ASSERT_EQ(10, read(again.get(), buf, 10));
  EXPECT_EQ(0, std::memcmp(buf, kHelloText, 10));
}

TEST(DevNull, ReadsEndOfFile) {
  Fd fd(open("/dev/null", O_RDWR));
  ASSERT_GE(fd.get(), 0);
  char buf[16];
  EXPECT_EQ(0, read(fd.get(), buf, sizeof buf));
  EXPECT_EQ(0, pread(fd.get(), buf, sizeof buf, 100));
}

TEST(DevNull, WritesAreDiscardedWhole) {
  Fd fd(open("/dev/null", O_WRONLY));
  ASSERT_GE(fd.get(), 0);
  static char big[1 << 20];
  EXPECT_EQ(static_cast<ssize_t>(sizeof big), write(fd.get(), big, sizeof big));
  EXPECT_EQ(0, lseek(fd.get(), 1234, SEEK_SET));
}

TEST(DevNull, KernelPointerIsEFAULT) {
  Fd fd(open("/dev/null", O_WRONLY));
  ASSERT_GE(fd.get(), 0);
  EXPECT_ERRNO(EFAULT, write(fd.get(), kKernelPtr, 16));
}

TEST(DevNull, WriteOnReadOnlyDescriptorIsEBADF) {
  Fd fd(open("/dev/null", O_RDONLY));
  ASSERT_GE(fd.get(), 0);
  char c = 0;
  EXPECT_ERRNO(EBADF, write(fd.get(), &c, 1));
}

TEST(DevZero, ReadsZeros) {
  Fd fd(open("/dev/zero", O_RDONLY));
  ASSERT_GE(fd.get(), 0);
  char buf[8192];
  std::memset(buf, 'x', sizeof buf);
  ASSERT_EQ(static_cast<ssize_t>(sizeof buf), read(fd.get(), buf, sizeof buf));
  for (char c : buf) ASSERT_EQ(0, c);
}

TEST(DevZero, BadBufferIsEFAULT) {
  Fd fd(open("/dev/zero", O_RDONLY));
  ASSERT_GE(fd.get(), 0);
  EXPECT_ERRNO(EFAULT, read(fd.get(), kNullPtr, 16));
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, read(fd.get(), page.End(), 16));
}

TEST(DevZero, PrivateMappingIsZeroedMemory) {
  Fd fd(open("/dev/zero", O_RDWR));
  ASSERT_GE(fd.get(), 0);
  auto* p = static_cast<char*>(mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd.get(), 0));
  ASSERT_NE(MAP_FAILED, p) << strerror(errno);
  EXPECT_EQ(0, p[0] | p[8191]);
  p[100] = 7;
  EXPECT_EQ(7, p[100]);
  munmap(p, 8192);
}

TEST(DevZero, SharedMappingIsSharedWithChildren) {
  Fd fd(open("/dev/zero", O_RDWR));
  ASSERT_GE(fd.get(), 0);
  auto* p = static_cast<volatile int*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0));
  ASSERT_NE(MAP_FAILED, p) << strerror(errno);
  EXPECT_EQ(0, p[0]);
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    p[0] = 42;
    _exit(0);
  }
  ASSERT_EQ(pid, waitpid(pid, nullptr, 0));
  EXPECT_EQ(42, p[0]);
  munmap(const_cast<int*>(p), 4096);
}

TEST(DevFull, WriteIsENOSPC) {
  Fd fd(open("/dev/full", O_RDWR));
  ASSERT_GE(fd.get(), 0);
  char buf[4] = {1, 2, 3, 4};
  EXPECT_ERRNO(ENOSPC, write(fd.get(), buf, sizeof buf));
  ASSERT_EQ(4, read(fd.get(), buf, sizeof buf));
  EXPECT_EQ(0, buf[0] | buf[1] | buf[2] | buf[3]);
}

TEST(DevUrandom, ReadsWhatWasAsked) {
  for (const char* path : {"/dev/urandom", "/dev/random"}) {
    Fd fd(open(path, O_RDONLY));
    ASSERT_GE(fd.get(), 0) << path;
    unsigned char a[64] = {}, b[64] = {};
    ASSERT_EQ(64, read(fd.get(), a, sizeof a)) << path;
    ASSERT_EQ(64, read(fd.get(), b, sizeof b)) << path;
    EXPECT_NE(0, std::memcmp(a, b, sizeof a)) << path;
  }
}

TEST(DevUrandom, WriteIsAccepted) {
  Fd fd(open("/dev/urandom", O_WRONLY));
  ASSERT_GE(fd.get(), 0);
  const char seed[] = "entropy";
  EXPECT_EQ(static_cast<ssize_t>(sizeof seed), write(fd.get(), seed, sizeof seed));
}

TEST(DevTty, WithoutControllingTerminalIsENXIO) {
  // In a new session there is no controlling terminal.
  int status = InChildAs(geteuid(), [] {
    if (setsid() < 0) return 1;
    int fd = open("/dev/tty", O_RDWR);
    return fd < 0 && errno == ENXIO ? 0 : 2;
  });
  EXPECT_EQ(0, status);
}

TEST(Mknod, CharDeviceAsRootBehavesAsItsDriver) {
  if (geteuid() != 0) GTEST_SKIP() << "mknod of devices needs root";
  TempDir dir;
  const std::string node = dir / "null";
  ASSERT_EQ(0, mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3))) << strerror(errno);
  struct stat st{};
  ASSERT_EQ(0, stat(node.c_str(), &st));
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(makedev(1, 3), st.st_rdev);
  Fd fd(open(node.c_str(), O_RDWR));
  ASSERT_GE(fd.get(), 0) << strerror(errno);
  EXPECT_EQ(5, write(fd.get(), "hello", 5));
  char buf[8];
  EXPECT_EQ(0, read(fd.get(), buf, sizeof buf));
  struct stat fst{};
  ASSERT_EQ(0, fstat(fd.get(), &fst));
  EXPECT_EQ(st.st_ino, fst.st_ino);  // the node, not the driver's /dev entry
  EXPECT_EQ(makedev(1, 3), fst.st_rdev);
}

TEST(Mknod, ZeroDeviceNodeReadsZeros) {
  if (geteuid() != 0) GTEST_SKIP() << "mknod of devices needs root";
  TempDir dir;
  const std::string node = dir / "zero";
  ASSERT_EQ(0, mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 5))) << strerror(errno);
  Fd fd(open(node.c_str(), O_RDONLY));
  ASSERT_GE(fd.get(), 0);
  char buf[4] = {1, 1, 1, 1};
  ASSERT_EQ(4, read(fd.get(), buf, sizeof buf));
  EXPECT_EQ(0, buf[0] | buf[1] | buf[2] | buf[3]);
}

TEST(Mknod, UnknownDeviceNumberOpensENXIO) {
  if (geteuid() != 0) GTEST_SKIP() << "mknod of devices needs root";
  TempDir dir;
  const std::string node = dir / "nothing";
  // 240-254 are reserved for local use: no driver has them.
  ASSERT_EQ(0, mknod(node.c_str(), S_IFCHR | 0600, makedev(241, 7))) << strerror(errno);
  EXPECT_ERRNO(ENXIO, open(node.c_str(), O_RDONLY));
}

TEST(Mknod, DeviceWithoutPrivilegeIsEPERM) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  TempDir dir;
  ASSERT_EQ(0, chmod(dir.path().c_str(), 0777));
  const std::string node = dir / "null";
  int status = InChildAs(65534, [&] {
    if (mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) return 1;
    if (errno != EPERM) return 2;
    // A FIFO needs no privilege.
    return mknod((dir / "fifo").c_str(), S_IFIFO | 0666, 0) == 0 ? 0 : 3;
  });
  EXPECT_EQ(0, status);
}

TEST(Mknod, ExistingNameIsEEXISTBeforeEPERM) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
  TempDir dir;
  ASSERT_EQ(0, chmod(dir.path().c_str(), 0777));
  ASSERT_TRUE(WriteFile(dir / "taken", "x"));
  const std::string node = dir / "taken";
  int status = InChildAs(65534, [&] {
    if (mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) return 1;
    return errno == EEXIST ? 0 : 2;
  });
  EXPECT_EQ(0, status);
}
