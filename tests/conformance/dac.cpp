// Discretionary access control: what a process may do to files by its
// fsuid/fsgid/groups and root's capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER,
// CAP_CHOWN, CAP_FSETID): open for read/write/exec, directory search and
// write, the sticky bit, chmod/chown owner rules, set-id bits cleared by
// chown and chmod, and set-user-ID exec. The program starts as root (it is
// skipped otherwise); files are set up as root in a scratch directory
// (LXCONF_DAC_DIR if set, else under /tmp), and each check runs in a forked
// child that dropped to other ids with setgroups/setresgid/setresuid.
#include "common.h"
#include "tmpdir.h"

#include <grp.h>
#include <sys/auxv.h>
#include <sys/wait.h>

#include <cstdlib>
#include <functional>
#include <vector>

using namespace conf;

namespace {

constexpr uid_t kAlice = 1000, kBob = 1001;
constexpr gid_t kAliceGroup = 1000, kBobGroup = 1001, kShared = 2000;

// The set-uid helper: this very program, copied and made 4755 root, run with
// DAC_HELPER=1. It reports by exit status: 10 + (euid is 0) + 2 * AT_SECURE.
[[maybe_unused]] const int g_helper = [] {
  if (std::getenv("DAC_HELPER")) _exit(10 + (geteuid() == 0 ? 1 : 0) + (getauxval(AT_SECURE) ? 2 : 0));
  return 0;
}();

// Runs fn in a child with the given ids; returns fn's result (an errno or 0)
// or -1 if the child could not take the ids.
int As(uid_t uid, gid_t gid, std::vector<gid_t> groups, const std::function<int()>& fn) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return -2;
  if (pid == 0) {
    if (setgroups(groups.size(), groups.data()) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0)
      _exit(255);
    _exit(fn());
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -3;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}
int Alice(const std::function<int()>& fn) { return As(kAlice, kAliceGroup, {}, fn); }

// errno of a call that returns -1 on failure, else 0.
int Errno(long rc) { return rc < 0 ? errno : 0; }

int OpenErrno(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

class Dac : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs to start as root";
    const char* base = std::getenv("LXCONF_DAC_DIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/dac-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl.data()));
    dir_ = tmpl;
    ASSERT_EQ(0, chmod(dir_.c_str(), 0755));  // mkdtemp's 0700 would stop every child
  }
  void TearDown() override {
    if (dir_.empty()) return;
    nftw(dir_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return ::remove(p), 0; }, 16,
         FTW_DEPTH | FTW_PHYS);
  }
  std::string P(const std::string& rel) const { return dir_ + "/" + rel; }
  // A file owned by uid:gid with mode.
  void Make(const std::string& rel, uid_t uid, gid_t gid, mode_t mode, const std::string& data = "data") {
    ASSERT_TRUE(WriteFile(P(rel), data)) << rel;
    ASSERT_EQ(0, chown(P(rel).c_str(), uid, gid)) << rel;
    ASSERT_EQ(0, chmod(P(rel).c_str(), mode)) << rel;
  }
  void MakeDir(const std::string& rel, uid_t uid, gid_t gid, mode_t mode) {
    ASSERT_EQ(0, mkdir(P(rel).c_str(), 0700)) << rel;
    ASSERT_EQ(0, chown(P(rel).c_str(), uid, gid)) << rel;
    ASSERT_EQ(0, chmod(P(rel).c_str(), mode)) << rel;
  }
  mode_t Mode(const std::string& rel) const {
    struct stat st {};
    if (lstat(P(rel).c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
  }
  std::string dir_;
};

TEST_F(Dac, OtherUsersReadOnlyWithTheOtherBits) {
  Make("secret", 0, 0, 0600);
  Make("public", 0, 0, 0604);
  const std::string secret = P("secret"), pub = P("public");
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(secret, O_RDONLY); }));
  EXPECT_EQ(0, Alice([&] { return OpenErrno(pub, O_RDONLY); }));
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(pub, O_WRONLY); }));
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(pub, O_RDWR); }));
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(pub, O_RDONLY | O_TRUNC); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(access(secret.c_str(), R_OK)); }));
  EXPECT_EQ(0, Alice([&] { return Errno(access(pub.c_str(), R_OK)); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(access(pub.c_str(), W_OK)); }));
}

TEST_F(Dac, OwnerClassDecidesEvenWhenGroupOrOtherWouldAllow) {
  Make("f", kAlice, kAliceGroup, 0066);  // owner: nothing; group and other: rw
  const std::string f = P("f");
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(f, O_RDONLY); }));
  EXPECT_EQ(0, As(kBob, kBobGroup, {}, [&] { return OpenErrno(f, O_RDWR); }));
}

TEST_F(Dac, GroupClassUsesPrimaryAndSupplementaryGroups) {
  Make("g", 0, kShared, 0640);
  const std::string g = P("g");
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(g, O_RDONLY); }));
  EXPECT_EQ(0, As(kAlice, kShared, {}, [&] { return OpenErrno(g, O_RDONLY); }));
  EXPECT_EQ(0, As(kAlice, kAliceGroup, {kShared}, [&] { return OpenErrno(g, O_RDONLY); }));
  EXPECT_EQ(EACCES, As(kAlice, kAliceGroup, {kShared}, [&] { return OpenErrno(g, O_WRONLY); }));
}

TEST_F(Dac, RootOverridesReadWriteButNeedsSomeExecuteBit) {
  Make("none", kAlice, kAliceGroup, 0000);
  Make("script", kAlice, kAliceGroup, 0644, "#!/bin/sh\nexit 0\n");
  EXPECT_EQ(0, OpenErrno(P("none"), O_RDWR));
  EXPECT_EQ(0, Errno(access(P("none").c_str(), R_OK | W_OK)));
  EXPECT_EQ(EACCES, Errno(access(P("none").c_str(), X_OK)));
  const std::string script = P("script");
  EXPECT_EQ(EACCES, As(0, 0, {}, [&] {
    char* argv[] = {const_cast<char*>("script"), nullptr};
    execve(script.c_str(), argv, environ);
    return errno;
  }));
}

TEST_F(Dac, ExecNeedsTheCallersExecuteBit) {
  Make("prog", 0, 0, 0744, "#!/bin/sh\nexit 0\n");
  const std::string prog = P("prog");
  EXPECT_EQ(EACCES, Alice([&] {
    char* argv[] = {const_cast<char*>("prog"), nullptr};
    execve(prog.c_str(), argv, environ);
    return errno;
  }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(access(prog.c_str(), X_OK)); }));
}

TEST_F(Dac, DirectoryWithoutSearchHidesItsEntries) {
  MakeDir("d", 0, 0, 0766);  // others: read and write, no search
  Make("d/f", 0, 0, 0644);
  const std::string f = P("d/f"), d = P("d");
  EXPECT_EQ(EACCES, Alice([&] { struct stat st; return Errno(stat(f.c_str(), &st)); }));
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(f, O_RDONLY); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(chdir(d.c_str())); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(mkdir((d + "/new").c_str(), 0755)); }));
  // Listing needs only read permission.
  EXPECT_EQ(0, Alice([&] { return OpenErrno(d, O_RDONLY | O_DIRECTORY); }));
}

TEST_F(Dac, DirectoryWithoutWriteRefusesNewAndRemovedNames) {
  MakeDir("d", 0, 0, 0755);
  Make("d/f", kAlice, kAliceGroup, 0644);  // even the file's owner may not remove it
  MakeDir("d/sub", kAlice, kAliceGroup, 0755);
  const std::string d = P("d");
  EXPECT_EQ(EACCES, Alice([&] { return OpenErrno(d + "/new", O_WRONLY | O_CREAT); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(mkdir((d + "/new").c_str(), 0755)); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(mkfifo((d + "/fifo").c_str(), 0644)); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(symlink("f", (d + "/ln").c_str())); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(link((d + "/f").c_str(), (d + "/hard").c_str())); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(unlink((d + "/f").c_str())); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(rmdir((d + "/sub").c_str())); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(rename((d + "/f").c_str(), (d + "/g").c_str())); }));
  // But the owner may still write the file itself.
  EXPECT_EQ(0, Alice([&] { return OpenErrno(d + "/f", O_WRONLY); }));
}

TEST_F(Dac, StickyDirectoryLetsOnlyOwnersRemove) {
  MakeDir("tmp", 0, 0, 01777);
  Make("tmp/bobs", kBob, kBobGroup, 0666);
  Make("tmp/bobs2", kBob, kBobGroup, 0666);
  Make("tmp/alices", kAlice, kAliceGroup, 0644);
  const std::string t = P("tmp");
  EXPECT_EQ(EPERM, Alice([&] { return Errno(unlink((t + "/bobs").c_str())); }));
  EXPECT_EQ(EPERM, Alice([&] { return Errno(rename((t + "/bobs").c_str(), (t + "/mine").c_str())); }));
  // Replacing someone else's file by rename is removing it too.
  EXPECT_EQ(EPERM, Alice([&] { return Errno(rename((t + "/alices").c_str(), (t + "/bobs").c_str())); }));
  // Writing it is still up to its mode.
  EXPECT_EQ(0, Alice([&] { return OpenErrno(t + "/bobs", O_WRONLY); }));
  EXPECT_EQ(0, Alice([&] { return Errno(unlink((t + "/alices").c_str())); }));
  EXPECT_EQ(0, As(kBob, kBobGroup, {}, [&] { return Errno(unlink((t + "/bobs").c_str())); }));
  EXPECT_EQ(0, Alice([&] { return OpenErrno(t + "/new", O_WRONLY | O_CREAT); }));
  // Root (CAP_FOWNER) removes anything.
  EXPECT_EQ(0, Errno(unlink((t + "/bobs2").c_str())));
}

TEST_F(Dac, StickyDirectoryOwnerMayRemoveAnyEntry) {
  MakeDir("shared", kAlice, kAliceGroup, 01777);
  Make("shared/bobs", kBob, kBobGroup, 0644);
  const std::string f = P("shared/bobs");
  EXPECT_EQ(0, Alice([&] { return Errno(unlink(f.c_str())); }));
}

TEST_F(Dac, ChmodAndChownNeedOwnershipOrRoot) {
  Make("rootfile", 0, 0, 0666);
  Make("mine", kAlice, kAliceGroup, 0644);
  const std::string rf = P("rootfile"), mine = P("mine");
  EXPECT_EQ(EPERM, Alice([&] { return Errno(chmod(rf.c_str(), 0777)); }));
  EXPECT_EQ(EPERM, Alice([&] { return Errno(chown(rf.c_str(), kAlice, kAliceGroup)); }));
  EXPECT_EQ(EPERM, Alice([&] { return Errno(chown(rf.c_str(), static_cast<uid_t>(-1), kAliceGroup)); }));
  EXPECT_EQ(0, Alice([&] { return Errno(chmod(mine.c_str(), 0600)); }));
  EXPECT_EQ(0600u, Mode("mine"));
  // The owner may not give the file away, nor to a group they are not in.
  EXPECT_EQ(EPERM, Alice([&] { return Errno(chown(mine.c_str(), kBob, static_cast<gid_t>(-1))); }));
  EXPECT_EQ(EPERM, Alice([&] { return Errno(chown(mine.c_str(), static_cast<uid_t>(-1), kBobGroup)); }));
  // ... but to one of their supplementary groups, and "to themselves".
  EXPECT_EQ(0, As(kAlice, kAliceGroup, {kShared}, [&] { return Errno(chown(mine.c_str(), static_cast<uid_t>(-1), kShared)); }));
  EXPECT_EQ(0, Alice([&] { return Errno(chown(mine.c_str(), kAlice, static_cast<gid_t>(-1))); }));
  struct stat st {};
  ASSERT_EQ(0, stat(mine.c_str(), &st));
  EXPECT_EQ(kShared, st.st_gid);
  // Root gives anything to anyone.
  EXPECT_EQ(0, chown(rf.c_str(), kBob, kBobGroup));
  ASSERT_EQ(0, stat(rf.c_str(), &st));
  EXPECT_EQ(kBob, st.st_uid);
  EXPECT_EQ(kBobGroup, st.st_gid);
}

TEST_F(Dac, UtimensExplicitTimesNeedOwnershipNowNeedsWrite) {
  Make("w", 0, 0, 0666);
  Make("r", 0, 0, 0644);
  const std::string w = P("w"), r = P("r");
  const struct timespec times[2] = {{1, 0}, {2, 0}};
  EXPECT_EQ(EPERM, Alice([&] { return Errno(utimensat(AT_FDCWD, w.c_str(), times, 0)); }));
  EXPECT_EQ(0, Alice([&] { return Errno(utimensat(AT_FDCWD, w.c_str(), nullptr, 0)); }));
  EXPECT_EQ(EACCES, Alice([&] { return Errno(utimensat(AT_FDCWD, r.c_str(), nullptr, 0)); }));
}

TEST_F(Dac, ChownClearsSetIdBitsEvenForRoot) {
  Make("suid", 0, 0, 06755);
  Make("sgid_nox", 0, 0, 02644);  // setgid without group exec: mandatory locking, kept
  ASSERT_EQ(06755u, Mode("suid"));
  ASSERT_EQ(0, chown(P("suid").c_str(), kAlice, kAliceGroup));
  EXPECT_EQ(0755u, Mode("suid"));
  ASSERT_EQ(0, chown(P("sgid_nox").c_str(), kAlice, kAliceGroup));
  EXPECT_EQ(02644u, Mode("sgid_nox"));
}

TEST_F(Dac, ChmodBySomeoneOutsideTheGroupDropsSetgid) {
  Make("f", kAlice, 0, 0644);
  const std::string f = P("f");
  EXPECT_EQ(0, Alice([&] { return Errno(chmod(f.c_str(), 02755)); }));
  EXPECT_EQ(0755u, Mode("f"));
  // Root keeps it (CAP_FSETID).
  ASSERT_EQ(0, chmod(f.c_str(), 02755));
  EXPECT_EQ(02755u, Mode("f"));
}

TEST_F(Dac, SetgidDirectoryPassesItsGroupDown) {
  MakeDir("sg", 0, kShared, 02777);
  const std::string sg = P("sg");
  EXPECT_EQ(0, Alice([&] { return OpenErrno(sg + "/file", O_WRONLY | O_CREAT); }));
  EXPECT_EQ(0, Alice([&] { return Errno(mkdir((sg + "/sub").c_str(), 0755)); }));
  struct stat st {};
  ASSERT_EQ(0, stat((sg + "/file").c_str(), &st));
  EXPECT_EQ(kAlice, st.st_uid);
  EXPECT_EQ(kShared, st.st_gid);
  ASSERT_EQ(0, stat((sg + "/sub").c_str(), &st));
  EXPECT_EQ(kShared, st.st_gid);
  EXPECT_TRUE(st.st_mode & S_ISGID);
}

TEST_F(Dac, SetuidRootProgramRunsWithEuidZeroAndSecureMode) {
  // A copy of this program, root-owned and 4755 (the helper at the top).
  std::string self;
  {
    int in = open(program_invocation_name, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(in, 0) << program_invocation_name;
    int out = open(P("suid_helper").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    ASSERT_GE(out, 0);
    char buf[65536];
    for (;;) {
      ssize_t n = read(in, buf, sizeof buf);
      ASSERT_GE(n, 0);
      if (n == 0) break;
      ASSERT_EQ(n, write(out, buf, static_cast<size_t>(n)));
    }
    close(in);
    close(out);
  }
  const std::string helper = P("suid_helper");
  ASSERT_EQ(0, chown(helper.c_str(), 0, 0));
  auto run = [&] {
    char* argv[] = {const_cast<char*>("suid_helper"), nullptr};
    char env0[] = "DAC_HELPER=1";
    char* envp[] = {env0, nullptr};
    pid_t pid = fork();
    if (pid == 0) {
      execve(helper.c_str(), argv, envp);
      _exit(99);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
  };
  ASSERT_EQ(0, chmod(helper.c_str(), 0755));
  EXPECT_EQ(10, Alice(run)) << "plain copy: alice's euid, not secure";
  ASSERT_EQ(0, chmod(helper.c_str(), 04755));
  EXPECT_EQ(13, Alice(run)) << "set-user-ID root: euid 0 and AT_SECURE";
  EXPECT_EQ(11, run()) << "root running it: nothing changes, not secure";
}

}  // namespace
