// getcwd/chdir/fchdir.
#include "common.h"

#include <climits>

using namespace conf;

namespace {

bool SameFile(const char* a, const char* b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

std::string CurrentDir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : "<error " + ErrnoName(errno) + ">";
}

long RawGetcwd(void* buf, size_t size) { return syscall(SYS_getcwd, buf, size); }

// Each test starts and ends in the directory the program started in.
class Cwd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_SYS_OK(saved_ = open(".", O_RDONLY | O_DIRECTORY)); }
  void TearDown() override {
    ASSERT_SYS_OK(fchdir(saved_));
    close(saved_);
  }
  int saved_ = -1;
};

}  // namespace

TEST_F(Cwd, GetcwdIsAbsoluteAndNamesTheCwd) {
  std::string cwd = CurrentDir();
  ASSERT_FALSE(cwd.empty());
  EXPECT_EQ(cwd[0], '/') << cwd;
  EXPECT_TRUE(SameFile(cwd.c_str(), "."));
}

TEST_F(Cwd, RawGetcwdReturnsLengthIncludingNul) {
  char buf[PATH_MAX];
  long n = RawGetcwd(buf, sizeof buf);
  ASSERT_GT(n, 0) << ErrnoName(errno);
  EXPECT_EQ((size_t)n, strlen(buf) + 1);
}

TEST_F(Cwd, ChdirThenGetcwdNamesTheNewDirectory) {
  ASSERT_SYS_OK(chdir(kFixtures));
  std::string cwd = CurrentDir();
  EXPECT_TRUE(SameFile(cwd.c_str(), kFixtures)) << cwd;
  ASSERT_SYS_OK(chdir("dir/sub"));
  cwd = CurrentDir();
  EXPECT_TRUE(SameFile(cwd.c_str(), Fixture("dir/sub").c_str())) << cwd;
  EXPECT_EQ(cwd.substr(cwd.size() - 8), "/dir/sub");
  ASSERT_SYS_OK(chdir(".."));
  cwd = CurrentDir();
  EXPECT_EQ(cwd.substr(cwd.size() - 4), "/dir");
  struct stat st;
  EXPECT_SYS_OK(stat("one", &st));
}

TEST_F(Cwd, ChdirThroughSymlinkResolvesIt) {
  ASSERT_SYS_OK(chdir(Fixture("dir_link").c_str()));
  std::string cwd = CurrentDir();
  // The kernel reports the physical path, not the symlink.
  EXPECT_EQ(cwd.substr(cwd.size() - 4), "/dir") << cwd;
  EXPECT_TRUE(SameFile(".", Fixture("dir").c_str()));
}

TEST_F(Cwd, ChdirToRootAndDotDotStaysAtRoot) {
  ASSERT_SYS_OK(chdir("/"));
  EXPECT_EQ(CurrentDir(), "/");
  ASSERT_SYS_OK(chdir(".."));
  EXPECT_EQ(CurrentDir(), "/");
}

TEST_F(Cwd, GetcwdTooSmallFailsWithERANGE) {
  ASSERT_SYS_OK(chdir(kFixtures));
  size_t need = CurrentDir().size() + 1;
  char buf[PATH_MAX];
  EXPECT_ERRNO(ERANGE, RawGetcwd(buf, need - 1));
  EXPECT_ERRNO(ERANGE, RawGetcwd(buf, 1));
  EXPECT_EQ(RawGetcwd(buf, need), (long)need);
  // Size zero is ERANGE even with a null buffer.
  EXPECT_ERRNO(ERANGE, RawGetcwd(kNullPtr, 0));
}

TEST_F(Cwd, GetcwdBadBufferFailsWithEFAULT) {
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, RawGetcwd(kNullPtr, PATH_MAX));
  EXPECT_ERRNO(EFAULT, RawGetcwd(kKernelPtr, PATH_MAX));
  ASSERT_SYS_OK(chdir(kFixtures));
  EXPECT_ERRNO(EFAULT, RawGetcwd(page.End() - 2, PATH_MAX));
}

TEST_F(Cwd, ChdirErrors) {
  EXPECT_ERRNO(ENOENT, chdir(Fixture("nope").c_str()));
  EXPECT_ERRNO(ENOENT, chdir(""));
  EXPECT_ERRNO(ENOENT, chdir(Fixture("dangling").c_str()));
  EXPECT_ERRNO(ENOTDIR, chdir(Fixture("hello.txt").c_str()));
  EXPECT_ERRNO(ENOTDIR, chdir(Fixture("rel_link").c_str()));
  EXPECT_ERRNO(ENOTDIR, chdir(Fixture("hello.txt/x").c_str()));
  EXPECT_ERRNO(ELOOP, chdir(Fixture("loop_a").c_str()));
  EXPECT_ERRNO(EFAULT, syscall(SYS_chdir, kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_chdir, kKernelPtr));
  // Failures leave the cwd alone.
  struct stat a, b;
  ASSERT_SYS_OK(stat(".", &a));
  ASSERT_SYS_OK(fstat(saved_, &b));
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_F(Cwd, FchdirToDirectoryFd) {
  ScopedFd dir(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  ASSERT_SYS_OK(fchdir(dir));
  EXPECT_TRUE(SameFile(".", Fixture("dir").c_str()));
  ScopedFd path(OpenFixture("dir/sub", O_PATH | O_DIRECTORY));
  ASSERT_SYS_OK(path.get());
  ASSERT_SYS_OK(fchdir(path));
  EXPECT_TRUE(SameFile(".", Fixture("dir/sub").c_str()));
}

TEST_F(Cwd, FchdirErrors) {
  EXPECT_ERRNO(EBADF, fchdir(-1));
  EXPECT_ERRNO(EBADF, fchdir(INT_MAX));
  ScopedFd file(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(file.get());
  EXPECT_ERRNO(ENOTDIR, fchdir(file));
}
