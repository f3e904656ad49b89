// chmod/fchmod/fchmodat2, chown, utimensat (UTIME_NOW/OMIT), utimes,
// truncate/ftruncate, fallocate, statx against stat, statfs, fsync.
#include "common.h"
#include "tmpdir.h"

#include <sys/statfs.h>
#include <sys/time.h>
#include <ctime>

using namespace conf;

namespace {

constexpr long kSysFchmodat2 = 452;

struct stat Lstat(const std::string& p) {
  struct stat st{};
  lstat(p.c_str(), &st);
  return st;
}

class Attrs : public ::testing::Test {
 protected:
  void SetUp() override {
    old_umask_ = umask(022);
    ASSERT_TRUE(WriteFile(file_, "0123456789"));
  }
  void TearDown() override { umask(old_umask_); }
  TempDir dir_;
  std::string file_ = dir_ / "f";
  mode_t old_umask_ = 0;
};

}  // namespace

TEST_F(Attrs, ChmodSetsPermissionBits) {
  ASSERT_SYS_OK(chmod(file_.c_str(), 0640));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0640u);
  ASSERT_SYS_OK(chmod(file_.c_str(), 04751));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 04751u);
  EXPECT_TRUE(S_ISREG(Lstat(file_).st_mode));
  // File type bits in the argument are ignored.
  ASSERT_SYS_OK(chmod(file_.c_str(), S_IFDIR | 0600));
  EXPECT_TRUE(S_ISREG(Lstat(file_).st_mode));
  EXPECT_ERRNO(ENOENT, chmod((dir_ / "nope").c_str(), 0600));
  EXPECT_ERRNO(ENOENT, chmod("", 0600));
}

TEST_F(Attrs, ChmodFollowsSymlinks) {
  ASSERT_SYS_OK(symlink("f", (dir_ / "l").c_str()));
  ASSERT_SYS_OK(chmod((dir_ / "l").c_str(), 0600));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0600u);
}

TEST_F(Attrs, Fchmod) {
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  ASSERT_SYS_OK(fchmod(fd, 0604));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0604u);
  EXPECT_ERRNO(EBADF, fchmod(-1, 0600));
  ScopedFd path_fd(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, fchmod(path_fd, 0600));
}

TEST_F(Attrs, Fchmodat2Flags) {
  ASSERT_SYS_OK(symlink("f", (dir_ / "l").c_str()));
  EXPECT_ERRNO(EINVAL, syscall(kSysFchmodat2, AT_FDCWD, file_.c_str(), 0600, 0x2));
  // A symlink's own mode cannot be changed.
  EXPECT_ERRNO(EOPNOTSUPP, syscall(kSysFchmodat2, AT_FDCWD, (dir_ / "l").c_str(), 0600, AT_SYMLINK_NOFOLLOW));
  EXPECT_SYS_OK(syscall(kSysFchmodat2, AT_FDCWD, file_.c_str(), 0606, AT_SYMLINK_NOFOLLOW));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0606u);
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  EXPECT_SYS_OK(syscall(kSysFchmodat2, fd.get(), "", 0611, AT_EMPTY_PATH));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0611u);
  EXPECT_ERRNO(ENOENT, syscall(kSysFchmodat2, fd.get(), "", 0611, 0));
}

TEST_F(Attrs, ChownAsRoot) {
  if (geteuid() != 0) {
    EXPECT_ERRNO(EPERM, chown(file_.c_str(), 1234, 5678));
    return;
  }
  ASSERT_SYS_OK(chown(file_.c_str(), 1234, 5678));
  EXPECT_EQ(Lstat(file_).st_uid, 1234u);
  EXPECT_EQ(Lstat(file_).st_gid, 5678u);
  // -1 leaves the id alone.
  ASSERT_SYS_OK(chown(file_.c_str(), static_cast<uid_t>(-1), 42));
  EXPECT_EQ(Lstat(file_).st_uid, 1234u);
  EXPECT_EQ(Lstat(file_).st_gid, 42u);
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  ASSERT_SYS_OK(fchown(fd, 7, static_cast<gid_t>(-1)));
  EXPECT_EQ(Lstat(file_).st_uid, 7u);
  EXPECT_EQ(Lstat(file_).st_gid, 42u);
}

TEST_F(Attrs, ChownClearsSetuidOnRegularFile) {
  if (geteuid() != 0) return;
  ASSERT_SYS_OK(chmod(file_.c_str(), 04755));
  ASSERT_SYS_OK(chown(file_.c_str(), 1, 1));
  EXPECT_EQ(Lstat(file_).st_mode & 07777, 0755u);
}

TEST_F(Attrs, LchownChangesTheLink) {
  if (geteuid() != 0) return;
  ASSERT_SYS_OK(symlink("f", (dir_ / "l").c_str()));
  ASSERT_SYS_OK(lchown((dir_ / "l").c_str(), 99, 98));
  EXPECT_EQ(Lstat(dir_ / "l").st_uid, 99u);
  EXPECT_NE(Lstat(file_).st_uid, 99u);
  EXPECT_ERRNO(EINVAL, fchownat(AT_FDCWD, file_.c_str(), 1, 1, 0x2));
}

TEST_F(Attrs, UtimensatExplicitTimes) {
  struct timespec ts[2] = {{1000, 5}, {2000, 999999999}};
  ASSERT_SYS_OK(utimensat(AT_FDCWD, file_.c_str(), ts, 0));
  struct stat st = Lstat(file_);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 5);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 999999999);
}

TEST_F(Attrs, UtimensatOmitAndNow) {
  struct timespec set[2] = {{1000, 0}, {2000, 0}};
  ASSERT_SYS_OK(utimensat(AT_FDCWD, file_.c_str(), set, 0));
  struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  const time_t before = time(nullptr);
  ASSERT_SYS_OK(utimensat(AT_FDCWD, file_.c_str(), omit_now, 0));
  struct stat st = Lstat(file_);
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_GE(st.st_mtim.tv_sec, before - 1);
  // NULL times: both now.
  ASSERT_SYS_OK(utimensat(AT_FDCWD, file_.c_str(), nullptr, 0));
  st = Lstat(file_);
  EXPECT_GE(st.st_atim.tv_sec, before - 1);
}

TEST_F(Attrs, UtimensatBothOmitSkipsThePath) {
  struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
  EXPECT_SYS_OK(utimensat(AT_FDCWD, (dir_ / "does-not-exist").c_str(), omit, 0));
  EXPECT_SYS_OK(syscall(SYS_utimensat, AT_FDCWD, kOnePtr, omit, 0));
}

TEST_F(Attrs, UtimensatErrors) {
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  EXPECT_ERRNO(EINVAL, utimensat(AT_FDCWD, file_.c_str(), bad, 0));
  struct timespec neg[2] = {{0, 0}, {0, -1}};
  EXPECT_ERRNO(EINVAL, utimensat(AT_FDCWD, file_.c_str(), neg, 0));
  EXPECT_ERRNO(EINVAL, utimensat(AT_FDCWD, file_.c_str(), nullptr, 0x2));
  EXPECT_ERRNO(EFAULT, syscall(SYS_utimensat, AT_FDCWD, file_.c_str(), kOnePtr, 0));
  EXPECT_ERRNO(ENOENT, utimensat(AT_FDCWD, (dir_ / "nope").c_str(), nullptr, 0));
  // NULL path with a real fd is futimens; it takes no flags.
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  EXPECT_ERRNO(EINVAL, syscall(SYS_utimensat, fd.get(), nullptr, nullptr, AT_SYMLINK_NOFOLLOW));
  EXPECT_ERRNO(EBADF, syscall(SYS_utimensat, 999, nullptr, nullptr, 0));
  EXPECT_ERRNO(EFAULT, syscall(SYS_utimensat, AT_FDCWD, nullptr, nullptr, 0));
}

TEST_F(Attrs, Futimens) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  struct timespec ts[2] = {{111, 0}, {222, 0}};
  ASSERT_SYS_OK(futimens(fd, ts));
  EXPECT_EQ(Lstat(file_).st_mtim.tv_sec, 222);
  EXPECT_EQ(Lstat(file_).st_atim.tv_sec, 111);
}

TEST_F(Attrs, UtimesAndUtime) {
  struct timeval tv[2] = {{300, 7}, {400, 999999}};
  ASSERT_SYS_OK(utimes(file_.c_str(), tv));
  struct stat st = Lstat(file_);
  EXPECT_EQ(st.st_atim.tv_sec, 300);
  EXPECT_EQ(st.st_atim.tv_nsec, 7000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 999999000);
  struct timeval bad[2] = {{0, 1000000}, {0, 0}};
  EXPECT_ERRNO(EINVAL, utimes(file_.c_str(), bad));
  long ut[2] = {500, 600};
  ASSERT_SYS_OK(syscall(SYS_utime, file_.c_str(), ut));
  EXPECT_EQ(Lstat(file_).st_mtim.tv_sec, 600);
  EXPECT_EQ(Lstat(file_).st_mtim.tv_nsec, 0);
}

TEST_F(Attrs, Truncate) {
  ASSERT_SYS_OK(truncate(file_.c_str(), 4));
  EXPECT_EQ(ReadFile(file_), "0123");
  ASSERT_SYS_OK(truncate(file_.c_str(), 6));
  EXPECT_EQ(ReadFile(file_), std::string("0123\0\0", 6));
  EXPECT_ERRNO(EINVAL, truncate(file_.c_str(), -1));
  EXPECT_ERRNO(EINVAL, syscall(SYS_truncate, kOnePtr, -1L));  // length first
  EXPECT_ERRNO(EISDIR, truncate(dir_.path().c_str(), 0));
  EXPECT_ERRNO(ENOENT, truncate((dir_ / "nope").c_str(), 0));
}

TEST_F(Attrs, Ftruncate) {
  ScopedFd rw(open(file_.c_str(), O_RDWR));
  ASSERT_SYS_OK(ftruncate(rw, 3));
  EXPECT_EQ(Lstat(file_).st_size, 3);
  ScopedFd ro(open(file_.c_str(), O_RDONLY));
  EXPECT_ERRNO(EINVAL, ftruncate(ro, 0));
  EXPECT_ERRNO(EINVAL, ftruncate(rw, -1));
  EXPECT_ERRNO(EINVAL, ftruncate(-1, -1));  // length before fd
  EXPECT_ERRNO(EBADF, ftruncate(-1, 0));
  ScopedFd d(open(dir_.path().c_str(), O_RDONLY | O_DIRECTORY));
  EXPECT_ERRNO(EINVAL, ftruncate(d, 0));
  ScopedFd p(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, ftruncate(p, 0));
}

TEST_F(Attrs, Fallocate) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  ASSERT_SYS_OK(fallocate(fd, 0, 0, 4096));
  EXPECT_EQ(Lstat(file_).st_size, 4096);
  ASSERT_SYS_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 4096, 4096));
  EXPECT_EQ(Lstat(file_).st_size, 4096);
  EXPECT_EQ(ReadFile(file_).substr(0, 10), "0123456789");
  EXPECT_ERRNO(EINVAL, fallocate(fd, 0, 0, 0));
  EXPECT_ERRNO(EINVAL, fallocate(fd, 0, -1, 10));
  EXPECT_ERRNO(EOPNOTSUPP, fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
  EXPECT_ERRNO(EOPNOTSUPP, fallocate(fd, 0x10000, 0, 10));
  EXPECT_ERRNO(EFBIG, fallocate(fd, 0, 0x7ffffffffffffff0L, 0x100));
  ScopedFd ro(open(file_.c_str(), O_RDONLY));
  EXPECT_ERRNO(EBADF, fallocate(ro, 0, 0, 10));
  EXPECT_ERRNO(EBADF, fallocate(-1, 0, 0, 10));
}

TEST_F(Attrs, FallocatePunchHoleZeroes) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  ASSERT_SYS_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 3));
  EXPECT_EQ(ReadFile(file_), std::string("01\0\0\0" "56789", 10));
}

TEST_F(Attrs, StatxMatchesStat) {
  struct statx sx;
  ASSERT_SYS_OK(statx(AT_FDCWD, file_.c_str(), 0, STATX_BASIC_STATS, &sx));
  struct stat st = Lstat(file_);
  EXPECT_EQ(sx.stx_mask & STATX_BASIC_STATS, static_cast<unsigned>(STATX_BASIC_STATS));
  EXPECT_EQ(sx.stx_ino, st.st_ino);
  EXPECT_EQ(sx.stx_size, static_cast<uint64_t>(st.st_size));
  EXPECT_EQ(sx.stx_mode, st.st_mode);
  EXPECT_EQ(sx.stx_nlink, st.st_nlink);
  EXPECT_EQ(sx.stx_uid, st.st_uid);
  EXPECT_EQ(sx.stx_gid, st.st_gid);
  EXPECT_EQ(sx.stx_blocks, static_cast<uint64_t>(st.st_blocks));
  EXPECT_EQ(sx.stx_blksize, static_cast<uint32_t>(st.st_blksize));
  EXPECT_EQ(sx.stx_mtime.tv_sec, st.st_mtim.tv_sec);
  EXPECT_EQ(sx.stx_mtime.tv_nsec, static_cast<uint32_t>(st.st_mtim.tv_nsec));
  EXPECT_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
}

TEST_F(Attrs, StatxSymlinkAndEmptyPath) {
  ASSERT_SYS_OK(symlink("f", (dir_ / "l").c_str()));
  struct statx sx;
  ASSERT_SYS_OK(statx(AT_FDCWD, (dir_ / "l").c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
  EXPECT_TRUE(S_ISLNK(sx.stx_mode));
  ASSERT_SYS_OK(statx(AT_FDCWD, (dir_ / "l").c_str(), 0, STATX_BASIC_STATS, &sx));
  EXPECT_TRUE(S_ISREG(sx.stx_mode));
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  ASSERT_SYS_OK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
  EXPECT_EQ(sx.stx_ino, Lstat(file_).st_ino);
  EXPECT_ERRNO(ENOENT, statx(fd, "", 0, STATX_BASIC_STATS, &sx));
}

TEST_F(Attrs, StatxArgumentErrors) {
  struct statx sx;
  // Mask and flags are checked before the path is read.
  EXPECT_ERRNO(EINVAL, syscall(SYS_statx, AT_FDCWD, kOnePtr, 0, 0x80000000u, &sx));
  EXPECT_ERRNO(EINVAL, syscall(SYS_statx, AT_FDCWD, kOnePtr, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
                               STATX_BASIC_STATS, &sx));
  EXPECT_ERRNO(EINVAL, syscall(SYS_statx, AT_FDCWD, kOnePtr, 0x1, STATX_BASIC_STATS, &sx));
  EXPECT_ERRNO(EFAULT, syscall(SYS_statx, AT_FDCWD, kOnePtr, 0, STATX_BASIC_STATS, &sx));
  EXPECT_ERRNO(EFAULT, syscall(SYS_statx, AT_FDCWD, file_.c_str(), 0, STATX_BASIC_STATS, kOnePtr));
  EXPECT_ERRNO(ENOENT, statx(AT_FDCWD, (dir_ / "nope").c_str(), 0, STATX_BASIC_STATS, &sx));
}

TEST_F(Attrs, StatfsAgreesWithFstatfs) {
  struct statfs a, b;
  ASSERT_SYS_OK(statfs(dir_.path().c_str(), &a));
  ScopedFd fd(open(file_.c_str(), O_RDONLY));
  ASSERT_SYS_OK(fstatfs(fd, &b));
  EXPECT_EQ(a.f_type, b.f_type);
  EXPECT_NE(a.f_type, 0);
  EXPECT_GT(a.f_bsize, 0);
  EXPECT_EQ(a.f_namelen, 255);
  // fstatfs accepts O_PATH descriptors.
  ScopedFd p(open(file_.c_str(), O_PATH));
  ASSERT_SYS_OK(fstatfs(p, &b));
  EXPECT_EQ(a.f_type, b.f_type);
  EXPECT_ERRNO(EBADF, fstatfs(-1, &b));
  EXPECT_ERRNO(ENOENT, statfs((dir_ / "nope").c_str(), &b));
  EXPECT_ERRNO(EFAULT, syscall(SYS_statfs, dir_.path().c_str(), kOnePtr));
}

TEST_F(Attrs, FsyncFamily) {
  ScopedFd fd(open(file_.c_str(), O_RDWR));
  EXPECT_SYS_OK(fsync(fd));
  EXPECT_SYS_OK(fdatasync(fd));
  EXPECT_SYS_OK(syncfs(fd));
  sync();
  ScopedFd ro(open(file_.c_str(), O_RDONLY));
  EXPECT_SYS_OK(fsync(ro));
  EXPECT_ERRNO(EBADF, fsync(-1));
  EXPECT_ERRNO(EBADF, fdatasync(-1));
  ScopedFd p(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, fsync(p));
}
