// openat2: struct open_how size rules, argument validation and the
// RESOLVE_* scoping flags.
#include "common.h"
#include "tmpdir.h"

#include <linux/openat2.h>

using namespace conf;

namespace {

long RawOpenat2(int dirfd, const char* path, const void* how, size_t size) {
  return syscall(SYS_openat2, dirfd, path, how, size);
}

long Openat2(int dirfd, const char* path, uint64_t flags, uint64_t resolve, uint64_t mode = 0) {
  struct open_how how{};
  how.flags = flags;
  how.mode = mode;
  how.resolve = resolve;
  return RawOpenat2(dirfd, path, &how, sizeof(how));
}

ino_t FdIno(long fd) {
  struct stat st{};
  fstat(static_cast<int>(fd), &st);
  return st.st_ino;
}

ino_t PathIno(const std::string& p) {
  struct stat st{};
  lstat(p.c_str(), &st);
  return st.st_ino;
}

// dir_/           the dirfd of most tests
//   file          "data"
//   sub/inner     "inner"
//   rel -> file   abs -> <dir_>/file   up -> ../outside   rootabs -> /file
//   sublink -> sub
// <parent>/outside is never created: escapes are refused before it matters.
class Openat2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFile(dir_ / "file", "data"));
    ASSERT_SYS_OK(mkdir((dir_ / "sub").c_str(), 0755));
    ASSERT_TRUE(WriteFile(dir_ / "sub/inner", "inner"));
    ASSERT_SYS_OK(symlink("file", (dir_ / "rel").c_str()));
    ASSERT_SYS_OK(symlink((dir_ / "file").c_str(), (dir_ / "abs").c_str()));
    ASSERT_SYS_OK(symlink("../outside", (dir_ / "up").c_str()));
    ASSERT_SYS_OK(symlink("/file", (dir_ / "rootabs").c_str()));
    ASSERT_SYS_OK(symlink("sub", (dir_ / "sublink").c_str()));
    dfd_ = open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(dfd_, 0);
  }
  void TearDown() override {
    if (dfd_ >= 0) close(dfd_);
  }
  // Opens, checks it refers to `expect`, closes.
  void ExpectOpens(const char* path, uint64_t resolve, const std::string& expect, uint64_t flags = O_RDONLY) {
    long fd = Openat2(dfd_, path, flags, resolve);
    ASSERT_TRUE(Succeeded(fd, errno, path));
    EXPECT_EQ(FdIno(fd), PathIno(expect)) << path;
    close(static_cast<int>(fd));
  }
  TempDir dir_;
  int dfd_ = -1;
};

}  // namespace

TEST_F(Openat2Test, PlainOpenWorks) {
  ExpectOpens("file", 0, dir_ / "file");
  ExpectOpens("sub/../rel", 0, dir_ / "file");
}

TEST_F(Openat2Test, CreateAppliesModeAndUmask) {
  const mode_t old = umask(022);
  long fd = Openat2(dfd_, "new", O_CREAT | O_WRONLY, 0, 0666);
  umask(old);
  ASSERT_SYS_OK(fd);
  close(static_cast<int>(fd));
  struct stat st;
  ASSERT_SYS_OK(stat((dir_ / "new").c_str(), &st));
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(Openat2Test, SizeRules) {
  struct {
    struct open_how how;
    uint64_t extra;
  } big{};
  big.how.flags = O_RDONLY;
  EXPECT_ERRNO(EINVAL, RawOpenat2(dfd_, "file", &big, 0));
  EXPECT_ERRNO(EINVAL, RawOpenat2(dfd_, "file", &big, 23));
  long fd = RawOpenat2(dfd_, "file", &big, sizeof(big));  // zeroed extension: fine
  EXPECT_SYS_OK(fd);
  if (fd >= 0) close(static_cast<int>(fd));
  big.extra = 1;
  EXPECT_ERRNO(E2BIG, RawOpenat2(dfd_, "file", &big, sizeof(big)));
  EXPECT_ERRNO(EFAULT, RawOpenat2(dfd_, "file", kOnePtr, sizeof(struct open_how)));
  EXPECT_ERRNO(EFAULT, RawOpenat2(dfd_, "file", nullptr, sizeof(struct open_how)));
}

TEST_F(Openat2Test, FlagValidation) {
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", 1ull << 40, 0));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", 1u << 30, 0));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", O_RDONLY, 0x1000));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", O_RDONLY, 0, 0644));  // mode without O_CREAT
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "x", O_CREAT | O_WRONLY, 0, 010000));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "x", O_CREAT | O_DIRECTORY, 0, 0644));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, "file", O_PATH | O_RDWR, 0));
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, ".", O_TMPFILE | O_RDONLY, 0, 0600));
  // Arguments are checked before the path is read.
  EXPECT_ERRNO(EINVAL, Openat2(dfd_, static_cast<const char*>(kOnePtr), 1ull << 40, 0));
  EXPECT_ERRNO(EFAULT, Openat2(dfd_, static_cast<const char*>(kOnePtr), O_RDONLY, 0));
  EXPECT_ERRNO(ENOENT, Openat2(dfd_, "", O_RDONLY, 0));
}

TEST_F(Openat2Test, ResolveCachedRefusesCreateAndTruncate) {
  EXPECT_ERRNO(EAGAIN, Openat2(dfd_, "file", O_RDWR | O_TRUNC, RESOLVE_CACHED));
  EXPECT_ERRNO(EAGAIN, Openat2(dfd_, "x", O_CREAT | O_WRONLY, RESOLVE_CACHED, 0600));
}

TEST_F(Openat2Test, BeneathAllowsPathsInside) {
  ExpectOpens("file", RESOLVE_BENEATH, dir_ / "file");
  ExpectOpens("sub/../file", RESOLVE_BENEATH, dir_ / "file");
  ExpectOpens("rel", RESOLVE_BENEATH, dir_ / "file");
  ExpectOpens("sublink/inner", RESOLVE_BENEATH, dir_ / "sub/inner");
}

TEST_F(Openat2Test, BeneathRefusesEscapes) {
  EXPECT_ERRNO(EXDEV, Openat2(dfd_, "..", O_RDONLY, RESOLVE_BENEATH));
  EXPECT_ERRNO(EXDEV, Openat2(dfd_, "sub/../../x", O_RDONLY, RESOLVE_BENEATH));
  EXPECT_ERRNO(EXDEV, Openat2(dfd_, (dir_ / "file").c_str(), O_RDONLY, RESOLVE_BENEATH));
  EXPECT_ERRNO(EXDEV, Openat2(dfd_, "abs", O_RDONLY, RESOLVE_BENEATH));
  EXPECT_ERRNO(EXDEV, Openat2(dfd_, "up", O_RDONLY, RESOLVE_BENEATH));
}

TEST_F(Openat2Test, NoSymlinks) {
  EXPECT_ERRNO(ELOOP, Openat2(dfd_, "rel", O_RDONLY, RESOLVE_NO_SYMLINKS));
  EXPECT_ERRNO(ELOOP, Openat2(dfd_, "sublink/inner", O_RDONLY, RESOLVE_NO_SYMLINKS));
  ExpectOpens("sub/inner", RESOLVE_NO_SYMLINKS, dir_ / "sub/inner");
  // A final symlink that is not followed is fine with O_PATH.
  long fd = Openat2(dfd_, "rel", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS);
  ASSERT_SYS_OK(fd);
  EXPECT_EQ(FdIno(fd), PathIno(dir_ / "rel"));
  close(static_cast<int>(fd));
}

TEST_F(Openat2Test, InRootTreatsDirfdAsRoot) {
  ExpectOpens("/file", RESOLVE_IN_ROOT, dir_ / "file");
  ExpectOpens("../../file", RESOLVE_IN_ROOT, dir_ / "file");
  ExpectOpens("rootabs", RESOLVE_IN_ROOT, dir_ / "file");
  ExpectOpens("sub/../../sub/inner", RESOLVE_IN_ROOT, dir_ / "sub/inner");
  // Without scoping, /file is the real root's (and does not exist there).
  EXPECT_ERRNO(ENOENT, Openat2(dfd_, "rootabs", O_RDONLY, 0));
}

TEST_F(Openat2Test, ScopedDirfdErrors) {
  ScopedFd f(open((dir_ / "file").c_str(), O_RDONLY));
  EXPECT_ERRNO(ENOTDIR, Openat2(f, "x", O_RDONLY, RESOLVE_BENEATH));
  EXPECT_ERRNO(EBADF, Openat2(-1, "x", O_RDONLY, RESOLVE_BENEATH));
}
