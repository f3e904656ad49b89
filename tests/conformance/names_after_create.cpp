// What a name shows right after it was made, removed or replaced: tar's
// calls on a symlink it has just made (lchown, utimensat without following,
// an O_PATH open and fstat), a name unlinked or renamed over and made again,
// directories used and chmod'ed right after mkdir, and the errors of
// mkdir/symlink/mknod on taken names in Linux's order (EEXIST before a
// missing write bit, after a missing search bit; mknod's EACCES before
// CAP_MKNOD's EPERM). Also registered as
// conformance.names_after_create.lxfs (scratch directory on an lxfs root,
// whose dentry cache keeps recently made names). Starts as root (skipped
// otherwise); LXCONF_DAC_DIR names the scratch directory's parent.
#include "root_scratch.h"
#include "tmpdir.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <functional>

using namespace conf;

namespace {

class NamesAfterCreate : public RootScratchTest {
 protected:
  NamesAfterCreate() : RootScratchTest("names") {}
  std::string Readlink(const std::string& rel) const {
    char buf[256];
    const ssize_t n = readlink(P(rel).c_str(), buf, sizeof buf);
    return n < 0 ? std::string("<errno ") + std::to_string(errno) + ">" : std::string(buf, static_cast<size_t>(n));
  }
};

// errno of fn() run by uid/gid 1000 in a child (0: it worked).
int AsUser(const std::function<int()>& fn) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -2;
  if (pid == 0) {
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(255);
    _exit(fn() < 0 ? errno : 0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -3;
  return WEXITSTATUS(status);
}

TEST_F(NamesAfterCreate, NewSymlinkLchownUtimensatOpathOpenFstat) {
  ASSERT_EQ(0, symlink("f1", P("link").c_str()));
  const struct timespec times[2] = {{0, UTIME_OMIT}, {1234567890, 0}};
  ASSERT_EQ(0, utimensat(AT_FDCWD, P("link").c_str(), times, AT_SYMLINK_NOFOLLOW));
  ASSERT_EQ(0, fchownat(AT_FDCWD, P("link").c_str(), 0, 0, AT_SYMLINK_NOFOLLOW));  // unchanged
  ASSERT_EQ(0, fchownat(AT_FDCWD, P("link").c_str(), 7, 8, AT_SYMLINK_NOFOLLOW));
  const int fd = open(P("link").c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(7u, st.st_uid);
  EXPECT_EQ(8u, st.st_gid);
  EXPECT_EQ(1234567890, st.st_mtim.tv_sec);
  EXPECT_EQ(2, st.st_size);
  char c;
  errno = 0;
  EXPECT_EQ(-1, read(fd, &c, 1));  // an O_PATH description does no I/O
  EXPECT_EQ(EBADF, errno);
  errno = 0;
  EXPECT_EQ(-1, fchown(fd, 0, 0));
  EXPECT_EQ(EBADF, errno);
  EXPECT_EQ(0, close(fd));
  struct stat lst {};
  ASSERT_EQ(0, lstat(P("link").c_str(), &lst));
  EXPECT_EQ(7u, lst.st_uid);
  EXPECT_EQ("f1", Readlink("link"));
}

TEST_F(NamesAfterCreate, SymlinkUnlinkedAndMadeAgainShowsNewTargetAndOwner) {
  ASSERT_EQ(0, symlink("one", P("s").c_str()));
  ASSERT_EQ(0, fchownat(AT_FDCWD, P("s").c_str(), 3, 3, AT_SYMLINK_NOFOLLOW));
  EXPECT_EQ("one", Readlink("s"));
  ASSERT_EQ(0, unlink(P("s").c_str()));
  struct stat st {};
  errno = 0;
  EXPECT_EQ(-1, lstat(P("s").c_str(), &st));
  EXPECT_EQ(ENOENT, errno);
  ASSERT_EQ(0, symlink("two-longer", P("s").c_str()));
  EXPECT_EQ("two-longer", Readlink("s"));
  ASSERT_EQ(0, lstat(P("s").c_str(), &st));
  EXPECT_EQ(0u, st.st_uid);
  EXPECT_EQ(10, st.st_size);
}

TEST_F(NamesAfterCreate, RenameOverLookedUpNameShowsRenamedFile) {
  ASSERT_TRUE(WriteFile(P("x"), "data"));
  ASSERT_EQ(0, symlink("t", P("y").c_str()));
  ASSERT_EQ(0, fchownat(AT_FDCWD, P("y").c_str(), 5, 5, AT_SYMLINK_NOFOLLOW));  // y looked up
  ASSERT_EQ(0, rename(P("x").c_str(), P("y").c_str()));
  struct stat st {};
  ASSERT_EQ(0, lstat(P("y").c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(0u, st.st_uid);
  EXPECT_EQ(4, st.st_size);
  errno = 0;
  EXPECT_EQ(-1, lstat(P("x").c_str(), &st));
  EXPECT_EQ(ENOENT, errno);
  // And back: the old name made again as a symlink is a symlink.
  ASSERT_EQ(0, symlink("again", P("x").c_str()));
  ASSERT_EQ(0, lstat(P("x").c_str(), &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  ASSERT_EQ(0, rename(P("x").c_str(), P("y").c_str()));
  EXPECT_EQ("again", Readlink("y"));
  const int fd = open(P("y").c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  close(fd);
}

TEST_F(NamesAfterCreate, MkdirSymlinkMknodOnTakenNamesEexist) {
  ASSERT_EQ(0, mkdir(P("d").c_str(), 0755));
  ASSERT_TRUE(WriteFile(P("f"), "x"));
  ASSERT_EQ(0, symlink("nowhere", P("dangling").c_str()));
  for (const char* name : {"d", "f", "dangling"}) {
    errno = 0;
    EXPECT_EQ(-1, mkdir(P(name).c_str(), 0755)) << name;
    EXPECT_EQ(EEXIST, errno) << name;
    errno = 0;
    EXPECT_EQ(-1, symlink("t", P(name).c_str())) << name;
    EXPECT_EQ(EEXIST, errno) << name;
    errno = 0;
    EXPECT_EQ(-1, mknod(P(name).c_str(), S_IFIFO | 0644, 0)) << name;
    EXPECT_EQ(EEXIST, errno) << name;
    errno = 0;
    EXPECT_EQ(-1, mknod(P(name).c_str(), S_IFCHR | 0644, makedev(1, 3))) << name;
    EXPECT_EQ(EEXIST, errno) << name;
  }
  errno = 0;
  EXPECT_EQ(-1, mkdir(P("missing/sub").c_str(), 0755));
  EXPECT_EQ(ENOENT, errno);
  errno = 0;
  EXPECT_EQ(-1, mkdir(P("f/sub").c_str(), 0755));
  EXPECT_EQ(ENOTDIR, errno);
  errno = 0;
  EXPECT_EQ(-1, symlink("t", P("f/sub").c_str()));
  EXPECT_EQ(ENOTDIR, errno);
  errno = 0;
  EXPECT_EQ(-1, mkdir(P("d/.").c_str(), 0755));
  EXPECT_EQ(EEXIST, errno);
  EXPECT_EQ(0, mkdir(P("slash/").c_str(), 0755));  // mkdir alone may name "name/"
  errno = 0;
  EXPECT_EQ(-1, symlink("t", P("slash2/").c_str()));
  EXPECT_EQ(ENOENT, errno);
  // The dangling symlink was not followed: its target does not exist.
  struct stat st {};
  errno = 0;
  EXPECT_EQ(-1, lstat(P("nowhere").c_str(), &st));
  EXPECT_EQ(ENOENT, errno);
}

TEST_F(NamesAfterCreate, TakenNameEexistBeforeWriteBitAfterSearchBit) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0777));
  ASSERT_EQ(0, mkdir(P("nowrite").c_str(), 0755));
  ASSERT_EQ(0, mkdir(P("nowrite/d").c_str(), 0755));
  const std::string taken = P("nowrite/d"), fresh = P("nowrite/new");
  EXPECT_EQ(EEXIST, AsUser([&] { return mkdir(taken.c_str(), 0755); }));
  EXPECT_EQ(EEXIST, AsUser([&] { return symlink("t", taken.c_str()); }));
  EXPECT_EQ(EEXIST, AsUser([&] { return mknod(taken.c_str(), S_IFIFO | 0644, 0); }));
  EXPECT_EQ(EEXIST, AsUser([&] { return mknod(taken.c_str(), S_IFCHR | 0644, makedev(1, 3)); }));
  EXPECT_EQ(EACCES, AsUser([&] { return mkdir(fresh.c_str(), 0755); }));
  EXPECT_EQ(EACCES, AsUser([&] { return symlink("t", fresh.c_str()); }));
  // may_create's EACCES before CAP_MKNOD's EPERM; with write access, EPERM.
  EXPECT_EQ(EACCES, AsUser([&] { return mknod(fresh.c_str(), S_IFCHR | 0644, makedev(1, 3)); }));
  const std::string open_dev = P("dev");
  EXPECT_EQ(EPERM, AsUser([&] { return mknod(open_dev.c_str(), S_IFCHR | 0644, makedev(1, 3)); }));
  ASSERT_EQ(0, chmod(P("nowrite").c_str(), 0776));  // others: rw, no x
  EXPECT_EQ(EACCES, AsUser([&] { return mkdir(taken.c_str(), 0755); }));
  EXPECT_EQ(EACCES, AsUser([&] { return symlink("t", taken.c_str()); }));
  EXPECT_EQ(EACCES, AsUser([&] { return mkdir(fresh.c_str(), 0755); }));
}

TEST_F(NamesAfterCreate, NewDirectoryUsedAndChmodedRightAway) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));
  ASSERT_EQ(0, mkdir(P("d").c_str(), 0700));
  ASSERT_TRUE(WriteFile(P("d/f"), "x"));
  const std::string f = P("d/f");
  struct stat st {};
  EXPECT_EQ(EACCES, AsUser([&] { return stat(f.c_str(), &st); }));
  ASSERT_EQ(0, chmod(P("d").c_str(), 0755));
  ASSERT_EQ(0, stat(P("d").c_str(), &st));
  EXPECT_EQ(S_IFDIR | 0755u, st.st_mode);
  EXPECT_EQ(0, AsUser([&] { return stat(f.c_str(), &st); }));
  ASSERT_EQ(0, chmod(P("d").c_str(), 0700));
  EXPECT_EQ(EACCES, AsUser([&] { return stat(f.c_str(), &st); }));
  ASSERT_EQ(0, chown(P("d").c_str(), 1000, 1000));
  EXPECT_EQ(0, AsUser([&] { return stat(f.c_str(), &st); }));
  // A directory made, removed and made again is the new one.
  ASSERT_EQ(0, mkdir(P("e").c_str(), 0700));
  ASSERT_EQ(0, rmdir(P("e").c_str()));
  ASSERT_EQ(0, mkdir(P("e").c_str(), 0755));
  ASSERT_EQ(0, stat(P("e").c_str(), &st));
  EXPECT_EQ(S_IFDIR | 0755u, st.st_mode);
  const std::string e = P("e/g");
  EXPECT_EQ(EACCES, AsUser([&] { return mkdir(e.c_str(), 0755); }));
  ASSERT_EQ(0, mkdir(e.c_str(), 0755));
}

}  // namespace
