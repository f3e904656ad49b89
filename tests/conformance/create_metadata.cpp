// The owner, group, mode and times a new file or directory gets, and how
// chown/chmod/futimens change them afterwards, in the order `tar x` uses
// them (open O_CREAT|O_EXCL 0600, write, futimens, fchown, fchmod, close),
// plus modes without the owner's access bits, hard links seeing a chmod made
// through the other name, and statx's birth time by name vs by fd. Also
// registered as conformance.create_metadata.lxfs (scratch directory on an
// lxfs root, where such metadata lives in the host mode or our xattr). The
// program starts as root (skipped otherwise); LXCONF_DAC_DIR names the
// scratch directory's parent (default /tmp).
#include "root_scratch.h"
#include "tmpdir.h"

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>

using namespace conf;

namespace {

class CreateMetadata : public RootScratchTest {
 protected:
  CreateMetadata() : RootScratchTest("create") {}
  struct stat Lstat(const std::string& rel) const {
    struct stat st {};
    EXPECT_EQ(0, lstat(P(rel).c_str(), &st)) << rel;
    return st;
  }
};

TEST_F(CreateMetadata, TarSequenceCreateWriteFutimensFchownFchmod) {
  const int fd = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_EQ(S_IFREG | 0600u, st.st_mode);
  EXPECT_EQ(0u, st.st_uid);
  EXPECT_EQ(0u, st.st_gid);
  ASSERT_EQ(5, write(fd, "hello", 5));
  const struct timespec times[2] = {{0, UTIME_OMIT}, {1234567890, 0}};
  ASSERT_EQ(0, futimens(fd, times));
  ASSERT_EQ(0, fchown(fd, 0, 0));
  ASSERT_EQ(0, fchmod(fd, 0644));
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_EQ(S_IFREG | 0644u, st.st_mode);
  EXPECT_EQ(1234567890, st.st_mtim.tv_sec);
  ASSERT_EQ(0, close(fd));
  st = Lstat("f");
  EXPECT_EQ(S_IFREG | 0644u, st.st_mode);
  EXPECT_EQ(0u, st.st_uid);
  EXPECT_EQ(0u, st.st_gid);
  EXPECT_EQ(5, st.st_size);
  EXPECT_EQ(1234567890, st.st_mtim.tv_sec);
}

TEST_F(CreateMetadata, OpenCreatExclOnAnExistingNameIsEexist) {
  ASSERT_TRUE(WriteFile(P("f"), "x"));
  errno = 0;
  EXPECT_EQ(-1, open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600));
  EXPECT_EQ(EEXIST, errno);
  ASSERT_EQ(0, mkdir(P("d").c_str(), 0700));
  errno = 0;
  EXPECT_EQ(-1, mkdir(P("d").c_str(), 0700));
  EXPECT_EQ(EEXIST, errno);
}

// errno of open(path, O_WRONLY|O_CREAT|O_EXCL) by uid/gid 1000 in a child (0: it worked).
int ExclOpenAsUser(const std::string& path) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -2;
  if (pid == 0) {
    if (setresgid(1000, 1000, 1000) != 0 || setresuid(1000, 1000, 1000) != 0) _exit(255);
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    _exit(fd < 0 ? errno : 0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -3;
  return WEXITSTATUS(status);
}

TEST_F(CreateMetadata, OpenCreatExclChecksSearchPermissionBeforeEexist) {
  ASSERT_EQ(0, chmod(dir_.c_str(), 0755));
  ASSERT_EQ(0, mkdir(P("nosearch").c_str(), 0755));
  ASSERT_TRUE(WriteFile(P("nosearch/f"), "x"));
  ASSERT_EQ(0, chmod(P("nosearch").c_str(), 0776));  // others: rw, no x
  EXPECT_EQ(EACCES, ExclOpenAsUser(P("nosearch/f")));
  EXPECT_EQ(EACCES, ExclOpenAsUser(P("nosearch/new")));
  ASSERT_EQ(0, mkdir(P("nowrite").c_str(), 0755));
  ASSERT_TRUE(WriteFile(P("nowrite/f"), "x"));
  EXPECT_EQ(EEXIST, ExclOpenAsUser(P("nowrite/f")));  // an existing name wins over the missing write bit
  EXPECT_EQ(EACCES, ExclOpenAsUser(P("nowrite/new")));
}

TEST_F(CreateMetadata, UmaskTakesBitsFromNewFilesAndDirectories) {
  umask(027);
  const int fd = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0777);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_EQ(0, mkdir(P("d").c_str(), 0777));
  EXPECT_EQ(S_IFREG | 0750u, Lstat("f").st_mode);
  EXPECT_EQ(S_IFDIR | 0750u, Lstat("d").st_mode);
}

TEST_F(CreateMetadata, FchownToTheSameOwnerChangesNothing) {
  const int fd = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0755);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, fchown(fd, 0, 0));
  struct stat st {};
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_EQ(S_IFREG | 0755u, st.st_mode);
  EXPECT_EQ(0u, st.st_uid);
  EXPECT_EQ(0u, st.st_gid);
  close(fd);
}

TEST_F(CreateMetadata, FchownToAnotherOwnerThenChmodKeepsBoth) {
  const int fd = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, fchown(fd, 1234, 5678));
  ASSERT_EQ(0, fchmod(fd, 04755));
  close(fd);
  const struct stat st = Lstat("f");
  EXPECT_EQ(S_IFREG | 04755u, st.st_mode);
  EXPECT_EQ(1234u, st.st_uid);
  EXPECT_EQ(5678u, st.st_gid);
}

TEST_F(CreateMetadata, ModesWithoutOwnerAccessStillLetRootWrite) {
  const int fd = open(P("f").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0400);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(1, write(fd, "a", 1));
  close(fd);
  EXPECT_EQ(S_IFREG | 0400u, Lstat("f").st_mode);
  const int again = open(P("f").c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(again, 0) << strerror(errno);  // root: CAP_DAC_OVERRIDE
  ASSERT_EQ(1, write(again, "b", 1));
  close(again);
  EXPECT_EQ(2, Lstat("f").st_size);

  ASSERT_TRUE(WriteFile(P("g"), "x"));
  ASSERT_EQ(0, chmod(P("g").c_str(), 0));
  EXPECT_EQ(S_IFREG | 0u, Lstat("g").st_mode);
  EXPECT_TRUE(WriteFile(P("g"), "y"));
  ASSERT_EQ(0, chmod(P("g").c_str(), 0644));
  EXPECT_EQ(S_IFREG | 0644u, Lstat("g").st_mode);

  ASSERT_EQ(0, mkdir(P("d").c_str(), 0500));
  EXPECT_EQ(S_IFDIR | 0500u, Lstat("d").st_mode);
  EXPECT_TRUE(WriteFile(P("d/inside"), "z"));
}

TEST_F(CreateMetadata, MkdirThenChmodAndChown) {
  ASSERT_EQ(0, mkdir(P("d").c_str(), 0700));
  EXPECT_EQ(S_IFDIR | 0700u, Lstat("d").st_mode);
  ASSERT_EQ(0, chown(P("d").c_str(), 0, 0));
  ASSERT_EQ(0, chmod(P("d").c_str(), 0755));
  EXPECT_EQ(S_IFDIR | 0755u, Lstat("d").st_mode);
  ASSERT_EQ(0, chmod(P("d").c_str(), 01777));
  EXPECT_EQ(S_IFDIR | 01777u, Lstat("d").st_mode);
  ASSERT_EQ(0, chmod(P("d").c_str(), 0711));
  EXPECT_EQ(S_IFDIR | 0711u, Lstat("d").st_mode);
  ASSERT_EQ(0, chown(P("d").c_str(), 1000, 1000));
  const struct stat st = Lstat("d");
  EXPECT_EQ(1000u, st.st_uid);
  EXPECT_EQ(S_IFDIR | 0711u, st.st_mode);
}

TEST_F(CreateMetadata, ChmodThroughOneHardLinkShowsThroughTheOther) {
  const int fd = open(P("a").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(0, link(P("a").c_str(), P("b").c_str()));
  EXPECT_EQ(S_IFREG | 0600u, Lstat("b").st_mode);
  ASSERT_EQ(0, fchmod(fd, 0640));
  EXPECT_EQ(S_IFREG | 0640u, Lstat("b").st_mode);
  ASSERT_EQ(0, chmod(P("b").c_str(), 0604));
  struct stat st {};
  ASSERT_EQ(0, fstat(fd, &st));
  EXPECT_EQ(S_IFREG | 0604u, st.st_mode);
  EXPECT_EQ(S_IFREG | 0604u, Lstat("a").st_mode);
  close(fd);
}

TEST_F(CreateMetadata, StatxBirthTimeByNameMatchesByFd) {
  ASSERT_TRUE(WriteFile(P("f"), "x"));
  ASSERT_EQ(0, symlink("f", P("l").c_str()));
  for (const char* name : {"f", "l"}) {
    struct statx by_name {}, by_fd {};
    ASSERT_EQ(0, statx(AT_FDCWD, P(name).c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &by_name));
    const int fd = open(P(name).c_str(), O_PATH | O_NOFOLLOW);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(0, statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &by_fd));
    close(fd);
    EXPECT_EQ(by_fd.stx_mask & STATX_BTIME, by_name.stx_mask & STATX_BTIME) << name;
    if (by_name.stx_mask & STATX_BTIME) {
      EXPECT_EQ(by_fd.stx_btime.tv_sec, by_name.stx_btime.tv_sec) << name;
      EXPECT_EQ(by_fd.stx_btime.tv_nsec, by_name.stx_btime.tv_nsec) << name;
    }
    EXPECT_EQ(by_fd.stx_ino, by_name.stx_ino) << name;
  }
  struct statx x {};
  errno = 0;
  EXPECT_EQ(-1, statx(AT_FDCWD, P("missing").c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME, &x));
  EXPECT_EQ(ENOENT, errno);
  errno = 0;
  EXPECT_EQ(-1, statx(AT_FDCWD, P("f").c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME,
                      reinterpret_cast<struct statx*>(8)));
  EXPECT_EQ(EFAULT, errno);
}

}  // namespace
