// mkdir/rmdir/unlink/rename/renameat2/link/symlink/mknod: semantics and the
// errno matrix, in a scratch directory under /tmp.
#include "common.h"
#include "tmpdir.h"

#include <climits>

using namespace conf;

namespace {

constexpr unsigned kRenameNoreplace = 1;
constexpr unsigned kRenameExchange = 2;

long RawRenameat2(int od, const char* o, int nd, const char* n, unsigned flags) {
  return syscall(SYS_renameat2, od, o, nd, n, flags);
}

ino_t Ino(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool Exists(const std::string& p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

class Namespace : public ::testing::Test {
 protected:
  void SetUp() override { old_umask_ = umask(022); }
  void TearDown() override { umask(old_umask_); }
  TempDir dir_;
  mode_t old_umask_ = 0;
};

}  // namespace

TEST_F(Namespace, MkdirAppliesUmask) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0777));
  struct stat st;
  ASSERT_SYS_OK(stat((dir_ / "d").c_str(), &st));
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_nlink, 2u);
}

TEST_F(Namespace, MkdirErrors) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "f", "x"));
  EXPECT_ERRNO(EEXIST, mkdir((dir_ / "d").c_str(), 0755));
  EXPECT_ERRNO(EEXIST, mkdir((dir_ / "f").c_str(), 0755));
  EXPECT_ERRNO(ENOENT, mkdir((dir_ / "missing/d").c_str(), 0755));
  EXPECT_ERRNO(ENOTDIR, mkdir((dir_ / "f/d").c_str(), 0755));
  EXPECT_ERRNO(ENOENT, mkdir("", 0755));
  EXPECT_ERRNO(EFAULT, syscall(SYS_mkdir, kOnePtr, 0755));
}

TEST_F(Namespace, MkdiratRelativeToDirfd) {
  ScopedFd d(open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(d.get());
  ASSERT_SYS_OK(mkdirat(d, "sub", 0700));
  EXPECT_TRUE(Exists(dir_ / "sub"));
  ASSERT_TRUE(WriteFile(dir_ / "f", "x"));
  ScopedFd f(open((dir_ / "f").c_str(), O_RDONLY));
  EXPECT_ERRNO(ENOTDIR, mkdirat(f, "sub2", 0700));
  EXPECT_ERRNO(EBADF, mkdirat(-1, "sub2", 0700));
  // An absolute path ignores even an invalid dirfd.
  EXPECT_SYS_OK(mkdirat(-1, (dir_ / "abs").c_str(), 0700));
}

TEST_F(Namespace, RmdirErrors) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "d/f", "x"));
  EXPECT_ERRNO(ENOTEMPTY, rmdir((dir_ / "d").c_str()));
  EXPECT_ERRNO(ENOTDIR, rmdir((dir_ / "d/f").c_str()));
  EXPECT_ERRNO(ENOENT, rmdir((dir_ / "nope").c_str()));
  EXPECT_ERRNO(EINVAL, rmdir((dir_ / "d/.").c_str()));
  ASSERT_SYS_OK(unlink((dir_ / "d/f").c_str()));
  EXPECT_SYS_OK(rmdir((dir_ / "d").c_str()));
  EXPECT_FALSE(Exists(dir_ / "d"));
}

TEST_F(Namespace, UnlinkErrors) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  EXPECT_ERRNO(EISDIR, unlink((dir_ / "d").c_str()));
  EXPECT_ERRNO(ENOENT, unlink((dir_ / "nope").c_str()));
  EXPECT_ERRNO(ENOENT, unlink(""));
  EXPECT_ERRNO(EFAULT, syscall(SYS_unlink, kNullPtr));
}

TEST_F(Namespace, UnlinkKeepsOpenFileReadable) {
  ASSERT_TRUE(WriteFile(dir_ / "f", "hello"));
  ScopedFd fd(open((dir_ / "f").c_str(), O_RDONLY));
  ASSERT_SYS_OK(unlink((dir_ / "f").c_str()));
  EXPECT_FALSE(Exists(dir_ / "f"));
  char buf[8] = {};
  EXPECT_EQ(read(fd, buf, sizeof(buf)), 5);
  EXPECT_STREQ(buf, "hello");
  struct stat st;
  ASSERT_SYS_OK(fstat(fd, &st));
  EXPECT_EQ(st.st_nlink, 0u);
}

TEST_F(Namespace, UnlinkatFlags) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "f", "x"));
  // Bad flags are rejected before the path is read.
  EXPECT_ERRNO(EINVAL, unlinkat(AT_FDCWD, static_cast<const char*>(kOnePtr), 0x1));
  EXPECT_ERRNO(EISDIR, unlinkat(AT_FDCWD, (dir_ / "d").c_str(), 0));
  EXPECT_ERRNO(ENOTDIR, unlinkat(AT_FDCWD, (dir_ / "f").c_str(), AT_REMOVEDIR));
  EXPECT_SYS_OK(unlinkat(AT_FDCWD, (dir_ / "d").c_str(), AT_REMOVEDIR));
  EXPECT_SYS_OK(unlinkat(AT_FDCWD, (dir_ / "f").c_str(), 0));
}

TEST_F(Namespace, RenameReplacesFile) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "AAA"));
  ASSERT_TRUE(WriteFile(dir_ / "b", "B"));
  const ino_t ino = Ino(dir_ / "a");
  ASSERT_SYS_OK(rename((dir_ / "a").c_str(), (dir_ / "b").c_str()));
  EXPECT_FALSE(Exists(dir_ / "a"));
  EXPECT_EQ(Ino(dir_ / "b"), ino);
  EXPECT_EQ(ReadFile(dir_ / "b"), "AAA");
}

TEST_F(Namespace, RenameSameFileIsNoop) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ASSERT_SYS_OK(link((dir_ / "a").c_str(), (dir_ / "h").c_str()));
  EXPECT_SYS_OK(rename((dir_ / "a").c_str(), (dir_ / "a").c_str()));
  // Two links to one inode: nothing happens, both names stay.
  EXPECT_SYS_OK(rename((dir_ / "a").c_str(), (dir_ / "h").c_str()));
  EXPECT_TRUE(Exists(dir_ / "a"));
  EXPECT_TRUE(Exists(dir_ / "h"));
}

TEST_F(Namespace, RenameErrorMatrix) {
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  ASSERT_SYS_OK(mkdir((dir_ / "full").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "full/x", "x"));
  ASSERT_SYS_OK(mkdir((dir_ / "empty").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "f", "x"));
  EXPECT_ERRNO(ENOTEMPTY, rename((dir_ / "d").c_str(), (dir_ / "full").c_str()));
  EXPECT_ERRNO(ENOTDIR, rename((dir_ / "d").c_str(), (dir_ / "f").c_str()));
  EXPECT_ERRNO(EISDIR, rename((dir_ / "f").c_str(), (dir_ / "d").c_str()));
  EXPECT_ERRNO(EINVAL, rename((dir_ / "d").c_str(), (dir_ / "d/inside").c_str()));
  EXPECT_ERRNO(ENOENT, rename((dir_ / "nope").c_str(), (dir_ / "x").c_str()));
  EXPECT_ERRNO(ENOENT, rename((dir_ / "f").c_str(), (dir_ / "nope/x").c_str()));
  EXPECT_ERRNO(ENOENT, rename("", (dir_ / "x").c_str()));
  // A directory may replace an empty directory.
  EXPECT_SYS_OK(rename((dir_ / "d").c_str(), (dir_ / "empty").c_str()));
  EXPECT_FALSE(Exists(dir_ / "d"));
}

TEST_F(Namespace, Renameat2FlagValidation) {
  // Checked before either path is read.
  EXPECT_ERRNO(EINVAL, RawRenameat2(AT_FDCWD, static_cast<const char*>(kOnePtr), AT_FDCWD,
                                    static_cast<const char*>(kOnePtr), 0x80));
  EXPECT_ERRNO(EINVAL, RawRenameat2(AT_FDCWD, static_cast<const char*>(kOnePtr), AT_FDCWD,
                                    static_cast<const char*>(kOnePtr), kRenameNoreplace | kRenameExchange));
  EXPECT_ERRNO(EFAULT, RawRenameat2(AT_FDCWD, static_cast<const char*>(kOnePtr), AT_FDCWD, "x", 0));
}

TEST_F(Namespace, Renameat2Noreplace) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ASSERT_TRUE(WriteFile(dir_ / "b", "B"));
  EXPECT_ERRNO(EEXIST, RawRenameat2(AT_FDCWD, (dir_ / "a").c_str(), AT_FDCWD, (dir_ / "b").c_str(), kRenameNoreplace));
  EXPECT_EQ(ReadFile(dir_ / "b"), "B");
  EXPECT_SYS_OK(RawRenameat2(AT_FDCWD, (dir_ / "a").c_str(), AT_FDCWD, (dir_ / "c").c_str(), kRenameNoreplace));
  EXPECT_EQ(ReadFile(dir_ / "c"), "A");
}

TEST_F(Namespace, Renameat2Exchange) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  const ino_t ia = Ino(dir_ / "a"), id = Ino(dir_ / "d");
  ASSERT_SYS_OK(RawRenameat2(AT_FDCWD, (dir_ / "a").c_str(), AT_FDCWD, (dir_ / "d").c_str(), kRenameExchange));
  EXPECT_EQ(Ino(dir_ / "a"), id);
  EXPECT_EQ(Ino(dir_ / "d"), ia);
  EXPECT_EQ(ReadFile(dir_ / "d"), "A");
  EXPECT_ERRNO(ENOENT, RawRenameat2(AT_FDCWD, (dir_ / "a").c_str(), AT_FDCWD, (dir_ / "nope").c_str(),
                                    kRenameExchange));
}

TEST_F(Namespace, RenameatRelativeToDirfds) {
  ASSERT_SYS_OK(mkdir((dir_ / "d1").c_str(), 0755));
  ASSERT_SYS_OK(mkdir((dir_ / "d2").c_str(), 0755));
  ASSERT_TRUE(WriteFile(dir_ / "d1/f", "x"));
  ScopedFd d1(open((dir_ / "d1").c_str(), O_RDONLY | O_DIRECTORY));
  ScopedFd d2(open((dir_ / "d2").c_str(), O_RDONLY | O_DIRECTORY));
  ASSERT_SYS_OK(renameat(d1, "f", d2, "g"));
  EXPECT_TRUE(Exists(dir_ / "d2/g"));
  EXPECT_ERRNO(EBADF, renameat(-1, "g", d2, "h"));
}

TEST_F(Namespace, HardLinkSharesInode) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ASSERT_SYS_OK(link((dir_ / "a").c_str(), (dir_ / "b").c_str()));
  struct stat sa, sb;
  ASSERT_SYS_OK(stat((dir_ / "a").c_str(), &sa));
  ASSERT_SYS_OK(stat((dir_ / "b").c_str(), &sb));
  EXPECT_EQ(sa.st_ino, sb.st_ino);
  EXPECT_EQ(sa.st_nlink, 2u);
  ASSERT_SYS_OK(unlink((dir_ / "a").c_str()));
  ASSERT_SYS_OK(stat((dir_ / "b").c_str(), &sb));
  EXPECT_EQ(sb.st_nlink, 1u);
}

TEST_F(Namespace, LinkErrors) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ASSERT_SYS_OK(mkdir((dir_ / "d").c_str(), 0755));
  EXPECT_ERRNO(EPERM, link((dir_ / "d").c_str(), (dir_ / "d2").c_str()));
  EXPECT_ERRNO(EEXIST, link((dir_ / "a").c_str(), (dir_ / "d").c_str()));
  EXPECT_ERRNO(ENOENT, link((dir_ / "nope").c_str(), (dir_ / "x").c_str()));
  EXPECT_ERRNO(EINVAL, linkat(AT_FDCWD, (dir_ / "a").c_str(), AT_FDCWD, (dir_ / "x").c_str(), 0x1));
  EXPECT_ERRNO(ENOENT, linkat(AT_FDCWD, "", AT_FDCWD, (dir_ / "x").c_str(), 0));
}

TEST_F(Namespace, LinkatFollowFlag) {
  ASSERT_TRUE(WriteFile(dir_ / "target", "T"));
  ASSERT_SYS_OK(symlink("target", (dir_ / "sl").c_str()));
  // Without AT_SYMLINK_FOLLOW the link itself is linked.
  ASSERT_SYS_OK(linkat(AT_FDCWD, (dir_ / "sl").c_str(), AT_FDCWD, (dir_ / "l1").c_str(), 0));
  EXPECT_EQ(Ino(dir_ / "l1"), Ino(dir_ / "sl"));
  ASSERT_SYS_OK(linkat(AT_FDCWD, (dir_ / "sl").c_str(), AT_FDCWD, (dir_ / "l2").c_str(), AT_SYMLINK_FOLLOW));
  EXPECT_EQ(Ino(dir_ / "l2"), Ino(dir_ / "target"));
}

TEST_F(Namespace, LinkatEmptyPathLinksTheFd) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  ScopedFd fd(open((dir_ / "a").c_str(), O_RDONLY));
  ASSERT_SYS_OK(linkat(fd, "", AT_FDCWD, (dir_ / "b").c_str(), AT_EMPTY_PATH));
  EXPECT_EQ(Ino(dir_ / "b"), Ino(dir_ / "a"));
}

TEST_F(Namespace, SymlinkStoresTarget) {
  ASSERT_SYS_OK(symlink("some/where/../else", (dir_ / "s").c_str()));
  char buf[64] = {};
  ASSERT_EQ(readlink((dir_ / "s").c_str(), buf, sizeof(buf)), 18);
  EXPECT_STREQ(buf, "some/where/../else");
  struct stat st;
  ASSERT_SYS_OK(lstat((dir_ / "s").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(st.st_size, 18);
  EXPECT_ERRNO(ENOENT, stat((dir_ / "s").c_str(), &st));  // dangling
}

TEST_F(Namespace, SymlinkErrors) {
  ASSERT_TRUE(WriteFile(dir_ / "a", "A"));
  EXPECT_ERRNO(EEXIST, symlink("x", (dir_ / "a").c_str()));
  EXPECT_ERRNO(ENOENT, symlink("", (dir_ / "e").c_str()));
  EXPECT_ERRNO(ENOENT, symlink("x", (dir_ / "nope/e").c_str()));
  EXPECT_ERRNO(EFAULT, syscall(SYS_symlink, kOnePtr, (dir_ / "e").c_str()));
  ScopedFd d(open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  EXPECT_SYS_OK(symlinkat("a", d, "rel"));
  EXPECT_EQ(ReadFile(dir_ / "rel"), "A");
}

TEST_F(Namespace, MknodFifoAndRegular) {
  ASSERT_SYS_OK(mknod((dir_ / "fifo").c_str(), S_IFIFO | 0666, 0));
  struct stat st;
  ASSERT_SYS_OK(lstat((dir_ / "fifo").c_str(), &st));
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0644u);  // umask 022
  // A zero file type means a regular file.
  ASSERT_SYS_OK(mknod((dir_ / "reg").c_str(), 0600, 0));
  ASSERT_SYS_OK(lstat((dir_ / "reg").c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_ERRNO(EEXIST, mknod((dir_ / "reg").c_str(), S_IFREG | 0600, 0));
}

TEST_F(Namespace, MknodTypeCheckedBeforePath) {
  EXPECT_ERRNO(EPERM, syscall(SYS_mknod, kOnePtr, S_IFDIR | 0755, 0));
  EXPECT_ERRNO(EINVAL, syscall(SYS_mknod, kOnePtr, 0170000 | 0755, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_mknod, kOnePtr, S_IFIFO | 0644, 0));
}
