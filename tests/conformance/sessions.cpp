// Process groups and sessions across processes: getpgid/getsid of other
// processes, setpgid's rules for the caller and its children, setsid.
// Children are forked and parked on a pipe so the parent can inspect them.
#include "common.h"

#include <pthread.h>
#include <sys/wait.h>

#include <cstdio>

using namespace conf;

namespace {

// A forked child that runs `body`, tells the parent it is done, then waits
// for Finish() before exiting 0 (or 1 if an expectation failed in it).
// Release is a byte rather than EOF, so the copies of the pipe that later
// children inherit cannot keep an earlier child waiting.
class Child {
 public:
  template <typename F>
  explicit Child(F body) {
    int go[2], done[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(done, O_CLOEXEC) != 0) abort();
    fflush(nullptr);
    pid_ = fork();
    if (pid_ < 0) abort();
    if (pid_ == 0) {
      close(go[1]);
      close(done[0]);
      body();
      fflush(nullptr);
      char c = 0;
      if (write(done[1], &c, 1) != 1) _exit(2);
      if (read(go[0], &c, 1) != 1) _exit(3);
      _exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    close(go[0]);
    close(done[1]);
    go_ = go[1];
    char c;
    ready_ = read(done[0], &c, 1) == 1;
    close(done[0]);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (go_ >= 0) Finish();
  }

  pid_t pid() const { return pid_; }
  bool ready() const { return ready_; }

  // Lets the child exit; returns its exit code (-1 if it did not exit).
  int Finish() {
    char c = 0;
    (void)!write(go_, &c, 1);
    close(go_);
    go_ = -1;
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
  bool ready_ = false;
};

// A pid that names no process: a child that has been reaped.
pid_t DeadPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

}  // namespace

TEST(GetPgid, SelfByZeroAndByPid) {
  EXPECT_EQ(getpgrp(), getpgid(0));
  EXPECT_EQ(getpgrp(), getpgid(getpid()));
  EXPECT_EQ(getsid(0), getsid(getpid()));
  // 0, not an error, when the session's leader lives in an ancestor pid
  // namespace (a container started without a new session): only -1 is wrong.
  EXPECT_GE(getsid(0), 0);
}

TEST(GetPgid, MissingProcessIsESRCH) {
  pid_t dead = DeadPid();
  EXPECT_ERRNO(ESRCH, getpgid(dead));
  EXPECT_ERRNO(ESRCH, getsid(dead));
  EXPECT_ERRNO(ESRCH, getpgid(-1));
  EXPECT_ERRNO(ESRCH, getsid(-1));
}

TEST(GetPgid, ChildInheritsGroupAndSession) {
  Child c([] {});
  ASSERT_TRUE(c.ready());
  EXPECT_EQ(getpgrp(), getpgid(c.pid()));
  EXPECT_EQ(getsid(0), getsid(c.pid()));
  EXPECT_EQ(0, c.Finish());
}

TEST(GetPgid, ZombieIsVisibleUntilReaped) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  siginfo_t info{};
  ASSERT_EQ(0, waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT));
  EXPECT_EQ(getpgrp(), getpgid(pid));
  EXPECT_EQ(getsid(0), getsid(pid));
  ASSERT_EQ(pid, waitpid(pid, nullptr, 0));
  EXPECT_ERRNO(ESRCH, getpgid(pid));
}

TEST(GetPgid, ThreadIdNamesItsProcess) {
  static pid_t tid;
  static int go[2];
  ASSERT_EQ(0, pipe(go));
  pthread_t th;
  ASSERT_EQ(0, pthread_create(&th, nullptr, [](void*) -> void* {
    tid = gettid();
    char c;
    (void)!read(go[0], &c, 1);
    return nullptr;
  }, nullptr));
  while (__atomic_load_n(&tid, __ATOMIC_SEQ_CST) == 0) sched_yield();
  EXPECT_EQ(getpgrp(), getpgid(tid));
  EXPECT_EQ(getsid(0), getsid(tid));
  // setpgid wants a process: a thread id that is not one is EINVAL.
  EXPECT_ERRNO(EINVAL, setpgid(tid, 0));
  char c = 0;
  EXPECT_EQ(1, write(go[1], &c, 1));
  pthread_join(th, nullptr);
  close(go[0]);
  close(go[1]);
}

TEST(SetPgid, MovesAChildBetweenGroups) {
  Child c([] {});
  ASSERT_TRUE(c.ready());
  const pid_t pid = c.pid();
  EXPECT_EQ(0, setpgid(pid, pid));
  EXPECT_EQ(pid, getpgid(pid));
  EXPECT_EQ(getsid(0), getsid(pid));  // same session
  EXPECT_EQ(0, setpgid(pid, getpgrp()));  // back into ours
  EXPECT_EQ(getpgrp(), getpgid(pid));
  EXPECT_EQ(0, setpgid(pid, 0));  // 0: the target's own pid
  EXPECT_EQ(pid, getpgid(pid));
  EXPECT_EQ(0, c.Finish());
}

TEST(SetPgid, ChildMovesItselfAndJoinsASibling) {
  Child a([] { EXPECT_EQ(0, setpgid(0, 0)); });
  ASSERT_TRUE(a.ready());
  EXPECT_EQ(a.pid(), getpgid(a.pid()));
  const pid_t group = a.pid();
  Child b([group] {
    EXPECT_EQ(0, setpgid(0, group));
    EXPECT_EQ(group, getpgrp());
  });
  ASSERT_TRUE(b.ready());
  EXPECT_EQ(group, getpgid(b.pid()));
  EXPECT_EQ(0, b.Finish());
  EXPECT_EQ(0, a.Finish());
}

TEST(SetPgid, NegativeGroupIsEINVAL) {
  EXPECT_ERRNO(EINVAL, setpgid(0, -1));
  EXPECT_ERRNO(EINVAL, setpgid(DeadPid(), -5));  // checked before the pid
}

TEST(SetPgid, NonChildIsESRCH) {
  EXPECT_ERRNO(ESRCH, setpgid(DeadPid(), 0));
  const pid_t parent = getpid();
  Child c([parent] {
    EXPECT_ERRNO(ESRCH, setpgid(parent, parent));  // our parent
    EXPECT_ERRNO(ESRCH, setpgid(parent, 0));
  });
  EXPECT_EQ(0, c.Finish());
}

TEST(SetPgid, GrandchildIsESRCH) {
  static int report[2], hold[2];  // grandchild's pid up; its release down
  ASSERT_EQ(0, pipe(report));
  ASSERT_EQ(0, pipe(hold));
  Child c([] {
    pid_t g = fork();
    if (g == 0) {
      char ch;
      (void)!read(hold[0], &ch, 1);
      _exit(0);
    }
    EXPECT_EQ(static_cast<ssize_t>(sizeof g), write(report[1], &g, sizeof g));
  });
  ASSERT_TRUE(c.ready());
  pid_t grandchild = 0;
  ASSERT_EQ(static_cast<ssize_t>(sizeof grandchild), read(report[0], &grandchild, sizeof grandchild));
  ASSERT_GT(grandchild, 0);
  EXPECT_ERRNO(ESRCH, setpgid(grandchild, grandchild));
  EXPECT_EQ(getpgrp(), getpgid(grandchild));  // visible, just not ours to move
  char ch = 0;
  EXPECT_EQ(1, write(hold[1], &ch, 1));  // lets the grandchild go
  EXPECT_EQ(0, c.Finish());
  for (int fd : {report[0], report[1], hold[0], hold[1]}) close(fd);
}

TEST(SetPgid, MissingGroupIsEPERM) {
  Child c([] {});
  ASSERT_TRUE(c.ready());
  EXPECT_ERRNO(EPERM, setpgid(c.pid(), DeadPid()));
  EXPECT_EQ(getpgrp(), getpgid(c.pid()));
  EXPECT_EQ(0, c.Finish());
}

TEST(SetPgid, ChildInAnotherSessionIsEPERM) {
  Child leader([] { EXPECT_EQ(getpid(), setsid()); });
  ASSERT_TRUE(leader.ready());
  EXPECT_EQ(leader.pid(), getsid(leader.pid()));
  EXPECT_EQ(leader.pid(), getpgid(leader.pid()));
  EXPECT_ERRNO(EPERM, setpgid(leader.pid(), leader.pid()));
  EXPECT_ERRNO(EPERM, setpgid(leader.pid(), 0));
  // Nor may a child of our session join a group of the other session.
  Child other([] {});
  ASSERT_TRUE(other.ready());
  EXPECT_ERRNO(EPERM, setpgid(other.pid(), leader.pid()));
  EXPECT_EQ(getpgrp(), getpgid(other.pid()));
  EXPECT_EQ(0, other.Finish());
  EXPECT_EQ(0, leader.Finish());
}

TEST(SetPgid, ChildThatExecedIsEACCES) {
  int in[2], exec_seen[2];
  ASSERT_EQ(0, pipe(in));
  ASSERT_EQ(0, pipe2(exec_seen, O_CLOEXEC));
  fflush(nullptr);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    close(in[1]);
    close(exec_seen[0]);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl("/bin/cat", "cat", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(exec_seen[1]);
  char c;
  EXPECT_EQ(0, read(exec_seen[0], &c, 1));  // EOF: the exec closed it
  close(exec_seen[0]);
  EXPECT_ERRNO(EACCES, setpgid(pid, pid));
  EXPECT_ERRNO(EACCES, setpgid(pid, getpgrp()));
  EXPECT_EQ(getpgrp(), getpgid(pid));
  close(in[1]);  // cat sees EOF and exits
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(SetSid, ChildStartsASessionOnce) {
  static int hold[2];
  ASSERT_EQ(0, pipe(hold));
  Child c([] {
    const pid_t self = getpid();
    EXPECT_NE(self, getpgrp());  // a fork child leads no group
    EXPECT_EQ(self, setsid());
    EXPECT_EQ(self, getsid(0));
    EXPECT_EQ(self, getpgrp());
    EXPECT_ERRNO(EPERM, setsid());  // now a session leader
    EXPECT_ERRNO(EPERM, setpgid(0, 0));  // a session leader cannot move
    // A child of the new session's leader is in it, and it may be moved
    // around within the session.
    pid_t g = fork();
    if (g == 0) {
      char ch;
      (void)!read(hold[0], &ch, 1);
      _exit(0);
    }
    EXPECT_EQ(self, getsid(g));
    EXPECT_EQ(0, setpgid(g, g));
    EXPECT_EQ(g, getpgid(g));
    char ch = 0;
    EXPECT_EQ(1, write(hold[1], &ch, 1));
    waitpid(g, nullptr, 0);
  });
  ASSERT_TRUE(c.ready());
  EXPECT_NE(getsid(0), getsid(c.pid()));
  EXPECT_EQ(0, c.Finish());
  close(hold[0]);
  close(hold[1]);
}

TEST(SetSid, GroupLeaderIsEPERM) {
  Child c([] {
    ASSERT_EQ(0, setpgid(0, 0));
    EXPECT_ERRNO(EPERM, setsid());
  });
  EXPECT_EQ(0, c.Finish());
}

TEST(SetSid, PidStillNamingAGroupIsEPERM) {
  // The child makes a group, leaves a grandchild in it and moves back to
  // the parent's group: its pid still names a group, so setsid fails.
  static int hold[2];
  ASSERT_EQ(0, pipe(hold));
  const pid_t outer = getpgrp();
  Child c([outer] {
    ASSERT_EQ(0, setpgid(0, 0));
    pid_t g = fork();
    if (g == 0) {
      char ch;
      (void)!read(hold[0], &ch, 1);
      _exit(0);
    }
    ASSERT_EQ(0, setpgid(0, outer));
    EXPECT_EQ(getpid(), getpgid(g));
    EXPECT_ERRNO(EPERM, setsid());
    char ch = 0;
    EXPECT_EQ(1, write(hold[1], &ch, 1));
    waitpid(g, nullptr, 0);
    // Once the group is gone (reaped), setsid works.
    EXPECT_EQ(getpid(), setsid());
  });
  EXPECT_EQ(0, c.Finish());
  close(hold[0]);
  close(hold[1]);
}
