// getpriority/setpriority: nice values of processes, process groups and
// users, the raw syscall's 20-nice encoding, clamping, inheritance by fork
// and the permission rules (EPERM for other users' processes, EACCES for
// lowering the nice value beyond RLIMIT_NICE). Every change happens in
// forked children so the test process keeps its own nice value.
#include "common.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>

using namespace conf;

namespace {

constexpr uid_t kNobody = 65534;
// A uid no process on a test machine runs as.
constexpr uid_t kUnusedUid = 54321;

// Runs body in a forked child; 0 when no expectation failed there.
template <typename F>
int InChild(F body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    body();
    fflush(nullptr);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A child that sleeps until the returned pipe's write end is closed.
struct Sleeper {
  pid_t pid = -1;
  int release = -1;
  Sleeper() {
    int p[2];
    if (pipe(p) != 0) return;
    fflush(nullptr);
    pid = fork();
    if (pid == 0) {
      close(p[1]);
      char c;
      (void)read(p[0], &c, 1);
      _exit(0);
    }
    close(p[0]);
    release = p[1];
  }
  ~Sleeper() {
    close(release);
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
};

long RawGet(int which, int who) { return syscall(SYS_getpriority, which, who); }
long RawSet(int which, int who, int nice) { return syscall(SYS_setpriority, which, who, nice); }

#define SKIP_UNLESS_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs to start as root"

TEST(Priority, RawGetpriorityReturnsTwentyMinusNice) {
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 5));
    EXPECT_EQ(15, RawGet(PRIO_PROCESS, 0));
    EXPECT_EQ(15, RawGet(PRIO_PROCESS, getpid()));
    errno = 0;
    EXPECT_EQ(5, getpriority(PRIO_PROCESS, 0));
    EXPECT_EQ(0, errno);
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 19));
    EXPECT_EQ(1, RawGet(PRIO_PROCESS, 0));
  }));
}

TEST(Priority, OutOfRangeValuesAreClamped) {
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 100));
    EXPECT_EQ(1, RawGet(PRIO_PROCESS, 0));  // nice 19
    if (geteuid() == 0) {
      ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, -100));
      EXPECT_EQ(40, RawGet(PRIO_PROCESS, 0));  // nice -20
    }
  }));
}

TEST(Priority, ForkInheritsTheNiceValue) {
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 7));
    EXPECT_EQ(0, InChild([] { EXPECT_EQ(13, RawGet(PRIO_PROCESS, 0)); }));
  }));
}

TEST(Priority, AnotherProcessByPid) {
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 2));
    Sleeper s;
    ASSERT_GT(s.pid, 0);
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, s.pid, 11));
    EXPECT_EQ(9, RawGet(PRIO_PROCESS, s.pid));
    EXPECT_EQ(18, RawGet(PRIO_PROCESS, 0));  // ours is unchanged
  }));
}

TEST(Priority, ProcessGroupReportsItsHighestPriorityAndSetsAll) {
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, setpgid(0, 0));
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 15));
    Sleeper a, b;
    ASSERT_GT(a.pid, 0);
    ASSERT_GT(b.pid, 0);
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, a.pid, 17));
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, b.pid, 16));
    EXPECT_EQ(5, RawGet(PRIO_PGRP, 0));          // nice 15, ours
    EXPECT_EQ(5, RawGet(PRIO_PGRP, getpgrp()));
    ASSERT_EQ(0, RawSet(PRIO_PGRP, 0, 18));
    EXPECT_EQ(2, RawGet(PRIO_PROCESS, a.pid));
    EXPECT_EQ(2, RawGet(PRIO_PROCESS, b.pid));
    EXPECT_EQ(2, RawGet(PRIO_PROCESS, 0));
  }));
}

TEST(Priority, InvalidWhichIsEINVAL) {
  EXPECT_ERRNO(EINVAL, RawGet(3, 0));
  EXPECT_ERRNO(EINVAL, RawGet(-1, 0));
  EXPECT_ERRNO(EINVAL, RawSet(3, 0, 0));
}

TEST(Priority, NoSuchProcessOrGroupIsESRCH) {
  pid_t gone = fork();
  ASSERT_GE(gone, 0);
  if (gone == 0) _exit(0);
  ASSERT_EQ(gone, waitpid(gone, nullptr, 0));
  EXPECT_ERRNO(ESRCH, RawGet(PRIO_PROCESS, gone));
  EXPECT_ERRNO(ESRCH, RawSet(PRIO_PROCESS, gone, 10));
  EXPECT_ERRNO(ESRCH, RawGet(PRIO_PGRP, gone));
  EXPECT_ERRNO(ESRCH, RawGet(PRIO_PROCESS, -5));
  EXPECT_ERRNO(ESRCH, RawGet(PRIO_USER, kUnusedUid));
}

TEST(Priority, UserCoversTheProcessesOfThatRealUid) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    ASSERT_EQ(0, setresuid(kUnusedUid, kUnusedUid, kUnusedUid));
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 9));
    EXPECT_EQ(11, RawGet(PRIO_USER, 0));
    EXPECT_EQ(11, RawGet(PRIO_USER, kUnusedUid));
    ASSERT_EQ(0, RawSet(PRIO_USER, 0, 14));
    EXPECT_EQ(6, RawGet(PRIO_PROCESS, 0));
  }));
}

TEST(Priority, LoweringNiceBeyondRlimitNiceIsEACCES) {
  SKIP_UNLESS_ROOT();
  EXPECT_EQ(0, InChild([] {
    // A soft RLIMIT_NICE of L allows nice values down to 20 - L. Only the
    // soft limit is set: raising the hard one needs CAP_SYS_RESOURCE,
    // which a container's root may lack.
    struct rlimit rl {};
    ASSERT_EQ(0, getrlimit(RLIMIT_NICE, &rl));
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 15);
    ASSERT_EQ(0, setrlimit(RLIMIT_NICE, &rl));
    const int floor = std::min(19, 20 - static_cast<int>(rl.rlim_cur));
    ASSERT_EQ(0, RawSet(PRIO_PROCESS, 0, 19));
    ASSERT_EQ(0, setresuid(kNobody, kNobody, kNobody));
    EXPECT_EQ(0, RawSet(PRIO_PROCESS, 0, 19));  // not lowering: always allowed
    EXPECT_EQ(0, RawSet(PRIO_PROCESS, 0, floor));
    EXPECT_EQ(20 - floor, RawGet(PRIO_PROCESS, 0));
    EXPECT_ERRNO(EACCES, RawSet(PRIO_PROCESS, 0, floor - 1));
    EXPECT_EQ(20 - floor, RawGet(PRIO_PROCESS, 0));
  }));
}

TEST(Priority, AnotherUsersProcessIsEPERM) {
  SKIP_UNLESS_ROOT();
  Sleeper root_owned;
  ASSERT_GT(root_owned.pid, 0);
  const pid_t target = root_owned.pid;
  EXPECT_EQ(0, InChild([target] {
    ASSERT_EQ(0, setresuid(kNobody, kNobody, kNobody));
    EXPECT_ERRNO(EPERM, RawSet(PRIO_PROCESS, target, 19));
    EXPECT_GT(RawGet(PRIO_PROCESS, target), 0);  // reading is allowed
  }));
}

}  // namespace
