// fcntl record locks (POSIX and OFD) and flock, within one process: a
// process never conflicts with its own POSIX locks, but OFD and flock locks
// belong to open file descriptions, so two opens of one file conflict.
#include "common.h"
#include "tmpdir.h"

#include <sys/file.h>

using namespace conf;

namespace {

struct flock Req(short type, off_t start, off_t len, short whence = SEEK_SET) {
  struct flock fl{};
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

int SetOfd(int fd, short type, off_t start, off_t len) {
  struct flock fl = Req(type, start, len);
  return fcntl(fd, F_OFD_SETLK, &fl);
}

// F_OFD_GETLK; returns the description of the conflicting lock.
struct flock GetOfd(int fd, short type, off_t start, off_t len) {
  struct flock fl = Req(type, start, len);
  if (fcntl(fd, F_OFD_GETLK, &fl) != 0) fl.l_type = -1;
  return fl;
}

class Locks : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteFile(file_, std::string(100, 'x')));
    a_ = open(file_.c_str(), O_RDWR);
    b_ = open(file_.c_str(), O_RDWR);
    ASSERT_GE(a_, 0);
    ASSERT_GE(b_, 0);
  }
  void TearDown() override {
    if (a_ >= 0) close(a_);
    if (b_ >= 0) close(b_);
  }
  TempDir dir_;
  std::string file_ = dir_ / "f";
  int a_ = -1, b_ = -1;  // two descriptions of one file
};

}  // namespace

TEST_F(Locks, PosixLocksNeverConflictWithinAProcess) {
  struct flock w = Req(F_WRLCK, 0, 10);
  ASSERT_SYS_OK(fcntl(a_, F_SETLK, &w));
  struct flock w2 = Req(F_WRLCK, 0, 10);
  EXPECT_SYS_OK(fcntl(b_, F_SETLK, &w2));
  struct flock q = Req(F_WRLCK, 0, 0);
  ASSERT_SYS_OK(fcntl(b_, F_GETLK, &q));
  EXPECT_EQ(q.l_type, F_UNLCK);
}

TEST_F(Locks, OfdLocksConflictAcrossDescriptions) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 0, 10));
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_WRLCK, 5, 10));
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_RDLCK, 9, 1));
  EXPECT_SYS_OK(SetOfd(b_, F_WRLCK, 10, 10));  // adjacent, not overlapping
  struct flock got = GetOfd(b_, F_RDLCK, 0, 5);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_whence, SEEK_SET);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 10);
  EXPECT_EQ(got.l_pid, -1);
}

TEST_F(Locks, ReadLocksShare) {
  ASSERT_SYS_OK(SetOfd(a_, F_RDLCK, 0, 50));
  EXPECT_SYS_OK(SetOfd(b_, F_RDLCK, 20, 50));
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_WRLCK, 0, 1));
  EXPECT_EQ(GetOfd(b_, F_RDLCK, 0, 0).l_type, F_UNLCK);
}

TEST_F(Locks, OfdDescriptionSeesItsOwnLocksAsCompatible) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 0, 10));
  EXPECT_EQ(GetOfd(a_, F_WRLCK, 0, 10).l_type, F_UNLCK);
  EXPECT_SYS_OK(SetOfd(a_, F_RDLCK, 0, 10));  // conversion in place
  EXPECT_SYS_OK(SetOfd(b_, F_RDLCK, 0, 10));
}

TEST_F(Locks, PosixAndOfdLocksConflict) {
  struct flock w = Req(F_WRLCK, 0, 10);
  ASSERT_SYS_OK(fcntl(a_, F_SETLK, &w));
  struct flock got = GetOfd(b_, F_WRLCK, 0, 0);
  EXPECT_EQ(got.l_type, F_WRLCK);
  EXPECT_EQ(got.l_pid, getpid());
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_RDLCK, 0, 1));
  // And the other way round: POSIX requests see OFD locks.
  ASSERT_SYS_OK(SetOfd(b_, F_WRLCK, 50, 10));
  struct flock q = Req(F_WRLCK, 40, 20);
  ASSERT_SYS_OK(fcntl(a_, F_GETLK, &q));
  EXPECT_EQ(q.l_type, F_WRLCK);
  EXPECT_EQ(q.l_pid, -1);
  EXPECT_EQ(q.l_start, 50);
  struct flock r = Req(F_RDLCK, 55, 1);
  EXPECT_ERRNO(EAGAIN, fcntl(a_, F_SETLK, &r));
}

TEST_F(Locks, UnlockSplitsARange) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 0, 100));
  ASSERT_SYS_OK(SetOfd(a_, F_UNLCK, 40, 20));
  EXPECT_EQ(GetOfd(b_, F_WRLCK, 40, 20).l_type, F_UNLCK);
  EXPECT_SYS_OK(SetOfd(b_, F_WRLCK, 45, 10));
  struct flock low = GetOfd(b_, F_RDLCK, 0, 40);
  EXPECT_EQ(low.l_type, F_WRLCK);
  EXPECT_EQ(low.l_start, 0);
  EXPECT_EQ(low.l_len, 40);
  struct flock high = GetOfd(b_, F_RDLCK, 60, 0);
  EXPECT_EQ(high.l_type, F_WRLCK);
  EXPECT_EQ(high.l_start, 60);
  EXPECT_EQ(high.l_len, 40);
}

TEST_F(Locks, AdjacentLocksMerge) {
  ASSERT_SYS_OK(SetOfd(a_, F_RDLCK, 0, 10));
  ASSERT_SYS_OK(SetOfd(a_, F_RDLCK, 10, 10));
  struct flock got = GetOfd(b_, F_WRLCK, 0, 0);
  EXPECT_EQ(got.l_type, F_RDLCK);
  EXPECT_EQ(got.l_start, 0);
  EXPECT_EQ(got.l_len, 20);
}

TEST_F(Locks, ZeroLengthMeansToEndOfFile) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 10, 0));
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_WRLCK, 1000000, 1));
  struct flock got = GetOfd(b_, F_WRLCK, 0, 0);
  EXPECT_EQ(got.l_start, 10);
  EXPECT_EQ(got.l_len, 0);
}

TEST_F(Locks, NegativeLengthCoversBytesBeforeStart) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 10, -5));  // [5, 10)
  struct flock got = GetOfd(b_, F_WRLCK, 0, 0);
  EXPECT_EQ(got.l_start, 5);
  EXPECT_EQ(got.l_len, 5);
  EXPECT_ERRNO(EINVAL, SetOfd(a_, F_WRLCK, 2, -5));
}

TEST_F(Locks, WhenceCurAndEnd) {
  ASSERT_EQ(lseek(a_, 30, SEEK_SET), 30);
  struct flock cur = Req(F_WRLCK, 5, 1, SEEK_CUR);
  ASSERT_SYS_OK(fcntl(a_, F_OFD_SETLK, &cur));
  struct flock end = Req(F_WRLCK, -10, 2, SEEK_END);
  ASSERT_SYS_OK(fcntl(a_, F_OFD_SETLK, &end));
  EXPECT_EQ(GetOfd(b_, F_WRLCK, 35, 1).l_start, 35);
  EXPECT_EQ(GetOfd(b_, F_WRLCK, 90, 5).l_start, 90);
  EXPECT_EQ(GetOfd(b_, F_WRLCK, 36, 50).l_type, F_UNLCK);
}

TEST_F(Locks, ArgumentErrors) {
  struct flock bad_type = Req(7, 0, 1);
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_SETLK, &bad_type));
  struct flock unlck = Req(F_UNLCK, 0, 1);
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_GETLK, &unlck));
  struct flock bad_whence = Req(F_WRLCK, 0, 1, 9);
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_SETLK, &bad_whence));
  struct flock neg = Req(F_WRLCK, -1, 1);
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_SETLK, &neg));
  struct flock pid = Req(F_WRLCK, 0, 1);
  pid.l_pid = 1;
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_OFD_SETLK, &pid));
  EXPECT_ERRNO(EINVAL, fcntl(a_, F_OFD_GETLK, &pid));
  EXPECT_ERRNO(EFAULT, fcntl(a_, F_SETLK, kOnePtr));
  struct flock ok = Req(F_WRLCK, 0, 1);
  EXPECT_ERRNO(EBADF, fcntl(-1, F_SETLK, &ok));
  ScopedFd p(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, fcntl(p, F_GETLK, &ok));
}

TEST_F(Locks, LockTypeNeedsMatchingAccessMode) {
  ScopedFd ro(open(file_.c_str(), O_RDONLY));
  ScopedFd wo(open(file_.c_str(), O_WRONLY));
  struct flock w = Req(F_WRLCK, 0, 1);
  EXPECT_ERRNO(EBADF, fcntl(ro, F_SETLK, &w));
  struct flock r = Req(F_RDLCK, 0, 1);
  EXPECT_ERRNO(EBADF, fcntl(wo, F_SETLK, &r));
  EXPECT_SYS_OK(fcntl(ro, F_SETLK, &r));
  // Testing needs no access: F_GETLK on a read-only fd may ask about writes.
  struct flock q = Req(F_WRLCK, 0, 1);
  EXPECT_SYS_OK(fcntl(ro, F_GETLK, &q));
}

TEST_F(Locks, ClosingTheLastFdDropsOfdLocks) {
  ASSERT_SYS_OK(SetOfd(a_, F_WRLCK, 0, 0));
  int dup_fd = dup(a_);
  ASSERT_SYS_OK(close(a_));
  a_ = -1;
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_WRLCK, 0, 1));  // the dup keeps the description alive
  ASSERT_SYS_OK(close(dup_fd));
  EXPECT_SYS_OK(SetOfd(b_, F_WRLCK, 0, 1));
}

TEST_F(Locks, ClosingAnyFdDropsPosixLocks) {
  struct flock w = Req(F_WRLCK, 0, 0);
  ASSERT_SYS_OK(fcntl(a_, F_SETLK, &w));
  EXPECT_ERRNO(EAGAIN, SetOfd(b_, F_WRLCK, 0, 1));
  int other = open(file_.c_str(), O_RDONLY);
  ASSERT_SYS_OK(other);
  ASSERT_SYS_OK(close(other));  // another fd of the same file
  EXPECT_SYS_OK(SetOfd(b_, F_WRLCK, 0, 1));
}

TEST_F(Locks, FlockExclusiveAndShared) {
  ASSERT_SYS_OK(flock(a_, LOCK_EX));
  EXPECT_ERRNO(EWOULDBLOCK, flock(b_, LOCK_EX | LOCK_NB));
  EXPECT_ERRNO(EWOULDBLOCK, flock(b_, LOCK_SH | LOCK_NB));
  ASSERT_SYS_OK(flock(a_, LOCK_UN));
  ASSERT_SYS_OK(flock(b_, LOCK_SH | LOCK_NB));
  EXPECT_SYS_OK(flock(a_, LOCK_SH | LOCK_NB));
  EXPECT_ERRNO(EWOULDBLOCK, flock(a_, LOCK_EX | LOCK_NB));
}

TEST_F(Locks, FlockFailedUpgradeDropsTheOldLock) {
  ASSERT_SYS_OK(flock(a_, LOCK_SH));
  ASSERT_SYS_OK(flock(b_, LOCK_SH));
  EXPECT_ERRNO(EWOULDBLOCK, flock(a_, LOCK_EX | LOCK_NB));
  // a_'s shared lock went away with the failed conversion.
  EXPECT_SYS_OK(flock(b_, LOCK_EX | LOCK_NB));
}

TEST_F(Locks, FlockDowngradeAndRelock) {
  ASSERT_SYS_OK(flock(a_, LOCK_EX));
  ASSERT_SYS_OK(flock(a_, LOCK_EX | LOCK_NB));  // already held
  ASSERT_SYS_OK(flock(a_, LOCK_SH));
  EXPECT_SYS_OK(flock(b_, LOCK_SH | LOCK_NB));
}

TEST_F(Locks, FlockBelongsToTheDescription) {
  ASSERT_SYS_OK(flock(a_, LOCK_EX));
  ScopedFd d(dup(a_));
  EXPECT_SYS_OK(flock(d, LOCK_EX | LOCK_NB));
  close(a_);
  a_ = -1;
  EXPECT_ERRNO(EWOULDBLOCK, flock(b_, LOCK_EX | LOCK_NB));
}

TEST_F(Locks, FlockAndRecordLocksDoNotInteract) {
  ASSERT_SYS_OK(flock(a_, LOCK_EX));
  EXPECT_SYS_OK(SetOfd(b_, F_WRLCK, 0, 0));
  struct flock w = Req(F_WRLCK, 0, 0);
  EXPECT_ERRNO(EAGAIN, fcntl(a_, F_OFD_SETLK, &w));
}

TEST_F(Locks, FlockErrors) {
  EXPECT_ERRNO(EBADF, flock(-1, LOCK_EX));
  EXPECT_ERRNO(EINVAL, flock(a_, 0));
  EXPECT_ERRNO(EINVAL, flock(a_, LOCK_SH | LOCK_EX));
  EXPECT_ERRNO(EINVAL, flock(a_, LOCK_NB));
  ScopedFd p(open(file_.c_str(), O_PATH));
  EXPECT_ERRNO(EBADF, flock(p, LOCK_EX));
}
