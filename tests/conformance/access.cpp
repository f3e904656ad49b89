// access/faccessat/faccessat2. The programs may run as root, which passes
// R_OK/W_OK on anything, and W_OK on the fixtures would differ between a
// writable host tree and lx's read-only root, so only F_OK, R_OK and X_OK
// are checked on files.
#include "common.h"

#include <climits>

using namespace conf;

namespace {

long RawFaccessat(int dirfd, const void* path, int mode) {
  return syscall(SYS_faccessat, dirfd, path, mode);
}
long RawFaccessat2(int dirfd, const void* path, int mode, int flags) {
  return syscall(SYS_faccessat2, dirfd, path, mode, flags);
}

}  // namespace

TEST(Access, ExistingFilesPassFOkAndROk) {
  EXPECT_EQ(access(Fixture("hello.txt").c_str(), F_OK), 0);
  EXPECT_EQ(access(Fixture("hello.txt").c_str(), R_OK), 0);
  EXPECT_EQ(access(Fixture("empty").c_str(), R_OK), 0);
  EXPECT_EQ(access(Fixture("dir").c_str(), R_OK | X_OK), 0);
  EXPECT_EQ(access(Fixture("rel_link").c_str(), F_OK), 0);
  EXPECT_EQ(access("/", F_OK), 0);
}

TEST(Access, XOkOnExecutableFile) {
  EXPECT_EQ(access("/bin/sh", X_OK), 0);
}

TEST(Access, XOkWithoutAnyExecuteBitFailsWithEACCES) {
  // Even root needs at least one execute bit on a regular file.
  EXPECT_ERRNO(EACCES, access(Fixture("hello.txt").c_str(), X_OK));
}

TEST(Access, MissingFileFailsWithENOENT) {
  EXPECT_ERRNO(ENOENT, access(Fixture("nope").c_str(), F_OK));
  EXPECT_ERRNO(ENOENT, access(Fixture("dangling").c_str(), F_OK));
  EXPECT_ERRNO(ENOENT, access("", F_OK));
}

TEST(Access, PathErrors) {
  EXPECT_ERRNO(ENOTDIR, access(Fixture("hello.txt/x").c_str(), F_OK));
  EXPECT_ERRNO(ENOTDIR, access(Fixture("hello.txt/").c_str(), F_OK));
  EXPECT_ERRNO(ELOOP, access(Fixture("loop_a").c_str(), F_OK));
  std::string longname(NAME_MAX + 1, 'x');
  EXPECT_ERRNO(ENAMETOOLONG, access(longname.c_str(), F_OK));
}

TEST(Access, BadModeFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, access(Fixture("hello.txt").c_str(), 8));
  EXPECT_ERRNO(EINVAL, access(Fixture("hello.txt").c_str(), -1));
  // The mode is checked before the path is even read.
  EXPECT_ERRNO(EINVAL, syscall(SYS_access, kNullPtr, 8));
  EXPECT_ERRNO(EINVAL, access(Fixture("nope").c_str(), 0x100));
}

TEST(Access, BadPathPointerFailsWithEFAULT) {
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_access, kNullPtr, F_OK));
  EXPECT_ERRNO(EFAULT, syscall(SYS_access, kKernelPtr, F_OK));
  EXPECT_ERRNO(EFAULT, syscall(SYS_access, page.UnterminatedString(8), F_OK));
}

TEST(Faccessat, RelativeToDirfd) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  EXPECT_EQ(RawFaccessat(dir, "hello.txt", R_OK), 0);
  EXPECT_EQ(RawFaccessat(dir, "dir/one", F_OK), 0);
  EXPECT_ERRNO(ENOENT, RawFaccessat(dir, "nope", F_OK));
  EXPECT_ERRNO(EACCES, RawFaccessat(dir, "hello.txt", X_OK));
}

TEST(Faccessat, AtFdcwd) {
  ScopedFd cwd(open(".", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(cwd.get());
  ASSERT_SYS_OK(chdir(kFixtures));
  EXPECT_EQ(RawFaccessat(AT_FDCWD, "hello.txt", F_OK), 0);
  ASSERT_SYS_OK(fchdir(cwd));
}

TEST(Faccessat, DirfdErrors) {
  EXPECT_ERRNO(EBADF, RawFaccessat(-1, "hello.txt", F_OK));
  EXPECT_ERRNO(EBADF, RawFaccessat(INT_MAX, "hello.txt", F_OK));
  ScopedFd file(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(file.get());
  EXPECT_ERRNO(ENOTDIR, RawFaccessat(file, "x", F_OK));
  // An absolute path ignores the dirfd.
  EXPECT_EQ(RawFaccessat(-1, Fixture("hello.txt").c_str(), F_OK), 0);
}

TEST(Faccessat, BadModeFailsWithEINVAL) {
  EXPECT_ERRNO(EINVAL, RawFaccessat(AT_FDCWD, Fixture("hello.txt").c_str(), 0x10));
}

TEST(Faccessat2, SymlinkNofollowChecksTheLinkItself) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  EXPECT_ERRNO(ENOENT, RawFaccessat2(dir, "dangling", F_OK, 0));
  EXPECT_EQ(RawFaccessat2(dir, "dangling", F_OK, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_ERRNO(ELOOP, RawFaccessat2(dir, "loop_a", F_OK, 0));
  EXPECT_EQ(RawFaccessat2(dir, "loop_a", F_OK, AT_SYMLINK_NOFOLLOW), 0);
}

TEST(Faccessat2, EmptyPathChecksTheFd) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  EXPECT_EQ(RawFaccessat2(fd, "", R_OK, AT_EMPTY_PATH), 0);
  EXPECT_ERRNO(EACCES, RawFaccessat2(fd, "", X_OK, AT_EMPTY_PATH));
  EXPECT_ERRNO(ENOENT, RawFaccessat2(fd, "", R_OK, 0));
}

TEST(Faccessat2, EaccessFlagIsAccepted) {
  EXPECT_EQ(RawFaccessat2(AT_FDCWD, Fixture("hello.txt").c_str(), R_OK, AT_EACCESS), 0);
}

TEST(Faccessat2, BadFlagsFailWithEINVAL) {
  std::string p = Fixture("hello.txt");
  EXPECT_ERRNO(EINVAL, RawFaccessat2(AT_FDCWD, p.c_str(), F_OK, 0x1));
  EXPECT_ERRNO(EINVAL, RawFaccessat2(AT_FDCWD, p.c_str(), F_OK, AT_SYMLINK_FOLLOW));
  EXPECT_ERRNO(EINVAL, RawFaccessat2(AT_FDCWD, p.c_str(), 8, 0));
}
