// stat/lstat/fstat/newfstatat.
#include "common.h"

#include <climits>

using namespace conf;

namespace {

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

long RawNewfstatat(int dirfd, const void* path, void* st, int flags) {
  return syscall(SYS_newfstatat, dirfd, path, st, flags);
}

}  // namespace

TEST(Stat, RegularFileTypeAndSize) {
  struct stat st;
  ASSERT_SYS_OK(stat(Fixture("hello.txt").c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, (off_t)kHelloSize);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_GT(st.st_blksize, 0);
  EXPECT_NE(st.st_ino, 0u);
  EXPECT_NE(st.st_mode & S_IRUSR, 0u);
  EXPECT_EQ(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH), 0u);
}

TEST(Stat, EmptyFileHasSizeZero) {
  struct stat st;
  ASSERT_SYS_OK(stat(Fixture("empty").c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(st.st_blocks, 0);
}

TEST(Stat, DirectoryType) {
  struct stat st;
  ASSERT_SYS_OK(stat(Fixture("dir").c_str(), &st));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  struct stat sub;
  ASSERT_SYS_OK(stat(Fixture("dir/sub").c_str(), &sub));
  EXPECT_TRUE(S_ISDIR(sub.st_mode));
  EXPECT_EQ(st.st_dev, sub.st_dev);
  EXPECT_NE(st.st_ino, sub.st_ino);
}

TEST(Stat, DotDotIsTheParent) {
  struct stat via_dotdot, parent;
  ASSERT_SYS_OK(stat(Fixture("dir/sub/..").c_str(), &via_dotdot));
  ASSERT_SYS_OK(stat(Fixture("dir").c_str(), &parent));
  EXPECT_TRUE(SameFile(via_dotdot, parent));
}

TEST(Stat, FollowsSymlinks) {
  struct stat target, rel, abs, passwd;
  ASSERT_SYS_OK(stat(Fixture("hello.txt").c_str(), &target));
  ASSERT_SYS_OK(stat(Fixture("rel_link").c_str(), &rel));
  EXPECT_TRUE(SameFile(target, rel));
  EXPECT_TRUE(S_ISREG(rel.st_mode));
  ASSERT_SYS_OK(stat(Fixture("abs_link").c_str(), &abs));
  ASSERT_SYS_OK(stat("/etc/passwd", &passwd));
  EXPECT_TRUE(SameFile(abs, passwd));
}

TEST(Stat, DanglingSymlinkFailsWithENOENT) {
  struct stat st;
  EXPECT_ERRNO(ENOENT, stat(Fixture("dangling").c_str(), &st));
}

TEST(Stat, SymlinkLoopFailsWithELOOP) {
  struct stat st;
  EXPECT_ERRNO(ELOOP, stat(Fixture("loop_a").c_str(), &st));
}

TEST(Stat, MissingAndNotDirErrors) {
  struct stat st;
  EXPECT_ERRNO(ENOENT, stat(Fixture("nope").c_str(), &st));
  EXPECT_ERRNO(ENOENT, stat("", &st));
  EXPECT_ERRNO(ENOTDIR, stat(Fixture("hello.txt/x").c_str(), &st));
  EXPECT_ERRNO(ENOTDIR, stat(Fixture("hello.txt/").c_str(), &st));
}

TEST(Stat, BadPointersFailWithEFAULT) {
  struct stat st;
  GuardedPage page;
  std::string path = Fixture("hello.txt");
  EXPECT_ERRNO(EFAULT, syscall(SYS_stat, path.c_str(), kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_stat, path.c_str(), kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_stat, path.c_str(), page.End() - sizeof(struct stat) / 2));
  EXPECT_ERRNO(EFAULT, syscall(SYS_stat, kNullPtr, &st));
  EXPECT_ERRNO(EFAULT, syscall(SYS_stat, page.UnterminatedString(8), &st));
  // The path is resolved before the result is stored.
  EXPECT_ERRNO(ENOENT, syscall(SYS_stat, Fixture("nope").c_str(), kNullPtr));
}

TEST(Lstat, SymlinkItself) {
  struct stat st;
  ASSERT_SYS_OK(lstat(Fixture("rel_link").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, (off_t)strlen("hello.txt"));
  ASSERT_SYS_OK(lstat(Fixture("abs_link").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, (off_t)strlen("/etc/passwd"));
  ASSERT_SYS_OK(lstat(Fixture("dangling").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_SYS_OK(lstat(Fixture("loop_a").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(Lstat, NonSymlinkIsLikeStat) {
  struct stat a, b;
  ASSERT_SYS_OK(lstat(Fixture("hello.txt").c_str(), &a));
  ASSERT_SYS_OK(stat(Fixture("hello.txt").c_str(), &b));
  EXPECT_TRUE(SameFile(a, b));
  EXPECT_EQ(a.st_size, b.st_size);
  EXPECT_EQ(a.st_mode, b.st_mode);
}

TEST(Lstat, FollowsSymlinksInEarlierComponents) {
  struct stat st;
  ASSERT_SYS_OK(lstat(Fixture("dir_link/link").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_SYS_OK(lstat(Fixture("dir_link/").c_str(), &st));
  EXPECT_TRUE(S_ISDIR(st.st_mode));  // a trailing slash forces following
}

TEST(Fstat, MatchesStat) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  struct stat a, b;
  ASSERT_SYS_OK(fstat(fd, &a));
  ASSERT_SYS_OK(stat(Fixture("hello.txt").c_str(), &b));
  EXPECT_TRUE(SameFile(a, b));
  EXPECT_EQ(a.st_mode, b.st_mode);
  EXPECT_EQ(a.st_size, b.st_size);
  EXPECT_EQ(a.st_nlink, b.st_nlink);
  EXPECT_EQ(a.st_uid, b.st_uid);
  EXPECT_EQ(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
  EXPECT_EQ(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
}

TEST(Fstat, DirectoryAndOPathFds) {
  ScopedFd dir(OpenFixture("dir", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  struct stat st;
  ASSERT_SYS_OK(fstat(dir, &st));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ScopedFd path(OpenFixture("hello.txt", O_PATH));
  ASSERT_SYS_OK(path.get());
  ASSERT_SYS_OK(fstat(path, &st));
  EXPECT_EQ(st.st_size, (off_t)kHelloSize);
}

TEST(Fstat, BadFdFailsWithEBADF) {
  struct stat st;
  EXPECT_ERRNO(EBADF, fstat(-1, &st));
  EXPECT_ERRNO(EBADF, fstat(INT_MAX, &st));
  // The fd is checked before the buffer.
  EXPECT_ERRNO(EBADF, syscall(SYS_fstat, -1, kNullPtr));
}

TEST(Fstat, BadBufferFailsWithEFAULT) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  GuardedPage page;
  EXPECT_ERRNO(EFAULT, syscall(SYS_fstat, fd.get(), kNullPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_fstat, fd.get(), kOnePtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_fstat, fd.get(), kKernelPtr));
  EXPECT_ERRNO(EFAULT, syscall(SYS_fstat, fd.get(), page.End() - 8));
}

TEST(Newfstatat, RelativeToDirfd) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  struct stat a, b;
  ASSERT_SYS_OK(RawNewfstatat(dir, "dir/two", &a, 0));
  ASSERT_SYS_OK(stat(Fixture("dir/two").c_str(), &b));
  EXPECT_TRUE(SameFile(a, b));
  EXPECT_EQ(a.st_size, 8);
}

TEST(Newfstatat, AtFdcwd) {
  ScopedFd cwd(open(".", O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(cwd.get());
  ASSERT_SYS_OK(chdir(kFixtures));
  struct stat st;
  EXPECT_SYS_OK(RawNewfstatat(AT_FDCWD, "hello.txt", &st, 0));
  EXPECT_EQ(st.st_size, (off_t)kHelloSize);
  ASSERT_SYS_OK(fchdir(cwd));
}

TEST(Newfstatat, SymlinkNofollow) {
  ScopedFd dir(open(kFixtures, O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(dir.get());
  struct stat st;
  ASSERT_SYS_OK(RawNewfstatat(dir, "rel_link", &st, AT_SYMLINK_NOFOLLOW));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_SYS_OK(RawNewfstatat(dir, "rel_link", &st, 0));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  ASSERT_SYS_OK(RawNewfstatat(dir, "loop_a", &st, AT_SYMLINK_NOFOLLOW));
  EXPECT_ERRNO(ELOOP, RawNewfstatat(dir, "loop_a", &st, 0));
}

TEST(Newfstatat, EmptyPathStatsTheFd) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  struct stat st;
  ASSERT_SYS_OK(RawNewfstatat(fd, "", &st, AT_EMPTY_PATH));
  EXPECT_EQ(st.st_size, (off_t)kHelloSize);
  EXPECT_ERRNO(ENOENT, RawNewfstatat(fd, "", &st, 0));
  // An O_PATH fd of the symlink itself.
  ScopedFd link(OpenFixture("rel_link", O_PATH | O_NOFOLLOW));
  ASSERT_SYS_OK(link.get());
  ASSERT_SYS_OK(RawNewfstatat(link, "", &st, AT_EMPTY_PATH));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(Newfstatat, EmptyPathWithAtFdcwdStatsTheCwd) {
  struct stat a, b;
  ASSERT_SYS_OK(RawNewfstatat(AT_FDCWD, "", &a, AT_EMPTY_PATH));
  ASSERT_SYS_OK(stat(".", &b));
  EXPECT_TRUE(SameFile(a, b));
}

TEST(Newfstatat, BadFlagsFailWithEINVAL) {
  struct stat st;
  std::string path = Fixture("hello.txt");
  EXPECT_ERRNO(EINVAL, RawNewfstatat(AT_FDCWD, path.c_str(), &st, 0x1));
  EXPECT_ERRNO(EINVAL, RawNewfstatat(AT_FDCWD, path.c_str(), &st, AT_REMOVEDIR));
  EXPECT_ERRNO(EINVAL, RawNewfstatat(AT_FDCWD, path.c_str(), &st, 0x40000000));
}

TEST(Newfstatat, BadDirfdFailsWithEBADF) {
  struct stat st;
  EXPECT_ERRNO(EBADF, RawNewfstatat(-1, "hello.txt", &st, 0));
  EXPECT_ERRNO(EBADF, RawNewfstatat(INT_MAX, "", &st, AT_EMPTY_PATH));
}

TEST(Newfstatat, FileAsDirfdFailsWithENOTDIR) {
  ScopedFd fd(OpenFixture("hello.txt"));
  ASSERT_SYS_OK(fd.get());
  struct stat st;
  EXPECT_ERRNO(ENOTDIR, RawNewfstatat(fd, "x", &st, 0));
}

TEST(Newfstatat, BadStatbufFailsWithEFAULT) {
  std::string path = Fixture("hello.txt");
  EXPECT_ERRNO(EFAULT, RawNewfstatat(AT_FDCWD, path.c_str(), kNullPtr, 0));
  EXPECT_ERRNO(EFAULT, RawNewfstatat(AT_FDCWD, path.c_str(), kKernelPtr, 0));
}
