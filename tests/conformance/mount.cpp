// mount(2) / umount2(2): new tmpfs/proc mounts and their options, bind
// mounts (directories, files, MS_REC), remounts, MS_MOVE, propagation
// flags, the per-mount flags' effects (EROFS, noexec, nodev), umount's
// EBUSY/MNT_DETACH, and the errors of man 2 mount / umount.
//
// Natively the program first enters a private mount namespace (skipping
// when the host refuses), so nothing it mounts reaches the host. A kernel
// without unshare (ENOSYS: lx, one namespace per instance) keeps the
// mounts inside the instance anyway.
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "common.h"
#include "tmpdir.h"

namespace {

// Whether mounting is safe here (see the top of the file).
bool PrivateNamespace() {
  static const bool ok = [] {
    if (syscall(SYS_unshare, CLONE_NEWNS) == 0)
      return mount(nullptr, "/", nullptr, MS_PRIVATE | MS_REC, nullptr) == 0;
    return errno == ENOSYS;
  }();
  return ok;
}

#define REQUIRE_NAMESPACE() \
  if (!PrivateNamespace()) GTEST_SKIP() << "no private mount namespace (need root)"

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The /proc/self/mountinfo line whose mount point is `path`, or "".
std::string MountinfoLine(const std::string& path) {
  std::istringstream in(Slurp("/proc/self/mountinfo"));
  std::string line, found;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    if (point == path) found = line;  // the last one is on top
  }
  return found;
}

struct Dirs {
  conf::TempDir tmp;
  std::string mnt = tmp.path() + "/mnt";
  std::string src = tmp.path() + "/src";
  Dirs() {
    mkdir(mnt.c_str(), 0755);
    mkdir(src.c_str(), 0755);
  }
  ~Dirs() {
    // Whatever a failed test left mounted (TempDir then removes the rest).
    for (int i = 0; i < 4; ++i) umount2(mnt.c_str(), MNT_DETACH);
  }
};

void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0644) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

long RawMount(const void* source, const void* target, const void* type, unsigned long flags, const void* data) {
  return syscall(SYS_mount, source, target, type, flags, data);
}

TEST(Mount, TmpfsWithOptionsAppearsInMountinfoUntilUnmounted) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("lxtest", d.mnt.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=700"), 0) << strerror(errno);
  struct stat st;
  ASSERT_EQ(stat(d.mnt.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  WriteFile(d.mnt + "/f", "x");
  const std::string line = MountinfoLine(d.mnt);
  EXPECT_NE(line.find(" rw,nosuid,nodev,relatime "), std::string::npos) << line;
  EXPECT_NE(line.find(" - tmpfs lxtest rw,size=64k,mode=700"), std::string::npos) << line;
  EXPECT_NE(Slurp("/proc/self/mounts").find("lxtest " + d.mnt + " tmpfs rw,nosuid,nodev"), std::string::npos);
  ASSERT_EQ(umount2(d.mnt.c_str(), 0), 0) << strerror(errno);
  EXPECT_FALSE(Exists(d.mnt + "/f"));
  EXPECT_EQ(MountinfoLine(d.mnt), "");
}

TEST(Mount, TmpfsSizeLimitGivesENOSPC) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, "size=16k"), 0) << strerror(errno);
  int fd = open((d.mnt + "/big").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  std::string chunk(4096, 'a');
  ssize_t last = 0;
  for (int i = 0; i < 16 && last >= 0; ++i) last = write(fd, chunk.data(), chunk.size());
  EXPECT_EQ(last, -1);
  EXPECT_EQ(errno, ENOSPC);
  close(fd);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

TEST(Mount, BadTmpfsOptionsFailWithEINVAL) {
  REQUIRE_NAMESPACE();
  Dirs d;
  for (const char* opts : {"size=abc", "bogus=1", "mode=9", "size"}) {
    errno = 0;
    EXPECT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, opts), -1) << opts;
    EXPECT_EQ(errno, EINVAL) << opts;
  }
}

TEST(Mount, UnknownFilesystemTypeFailsWithENODEV) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(mount("none", d.mnt.c_str(), "no-such-fs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENODEV);
}

TEST(Mount, NewMountWithoutTypeFailsWithEINVAL) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(RawMount("none", d.mnt.c_str(), nullptr, 0, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mount, MissingOrNonDirectoryTargetFails) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(mount("none", (d.mnt + "/missing").c_str(), "tmpfs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENOENT);
  WriteFile(d.src + "/file", "x");
  EXPECT_EQ(mount("none", (d.src + "/file").c_str(), "tmpfs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENOTDIR);
  EXPECT_EQ(mount("none", (d.src + "/file/x").c_str(), "tmpfs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENOTDIR);
}

TEST(Mount, BadPointersFailWithEFAULT) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(RawMount("none", conf::kOnePtr, "tmpfs", 0, nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(RawMount("none", d.mnt.c_str(), conf::kOnePtr, 0, nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(RawMount(conf::kOnePtr, d.mnt.c_str(), "tmpfs", 0, nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(RawMount("none", d.mnt.c_str(), "tmpfs", 0, conf::kOnePtr), -1);
  EXPECT_EQ(errno, EFAULT);
  EXPECT_EQ(syscall(SYS_umount2, conf::kOnePtr, 0), -1);
  EXPECT_EQ(errno, EFAULT);
}

TEST(Mount, ReadOnlyMountRefusesWritesWithEROFS) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", MS_RDONLY, nullptr), 0) << strerror(errno);
  EXPECT_EQ(open((d.mnt + "/f").c_str(), O_WRONLY | O_CREAT, 0644), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(mkdir((d.mnt + "/d").c_str(), 0755), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_NE(MountinfoLine(d.mnt).find(" ro,relatime "), std::string::npos) << MountinfoLine(d.mnt);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

TEST(Mount, RemountTogglesReadOnly) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, nullptr), 0) << strerror(errno);
  WriteFile(d.mnt + "/f", "x");
  ASSERT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0) << strerror(errno);
  EXPECT_EQ(open((d.mnt + "/f").c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EROFS);
  EXPECT_EQ(open((d.mnt + "/f").c_str(), O_RDONLY) >= 0, true);
  // A full remount: a bind remount would leave the superblock read-only.
  ASSERT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_REMOUNT, nullptr), 0) << strerror(errno);
  int fd = open((d.mnt + "/f").c_str(), O_WRONLY);
  EXPECT_GE(fd, 0) << strerror(errno);
  close(fd);
  ASSERT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOEXEC, nullptr), 0);
  EXPECT_NE(MountinfoLine(d.mnt).find(" ro,noexec,relatime "), std::string::npos) << MountinfoLine(d.mnt);
  EXPECT_EQ(umount2(d.mnt.c_str(), MNT_DETACH), 0);
}

TEST(Mount, RemountOfNonMountPointFailsWithEINVAL) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(mount(nullptr, d.src.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(mount(nullptr, d.src.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(Mount, BindMountShowsTheSourceTree) {
  REQUIRE_NAMESPACE();
  Dirs d;
  WriteFile(d.src + "/hello", "bound");
  ASSERT_EQ(mount(d.src.c_str(), d.mnt.c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  EXPECT_EQ(Slurp(d.mnt + "/hello"), "bound");
  WriteFile(d.mnt + "/new", "y");  // the same directory, seen twice
  EXPECT_TRUE(Exists(d.src + "/new"));
  EXPECT_NE(MountinfoLine(d.mnt), "");
  ASSERT_EQ(umount2(d.mnt.c_str(), 0), 0) << strerror(errno);
  EXPECT_FALSE(Exists(d.mnt + "/hello"));
}

TEST(Mount, BindMountOfAFileCoversAFile) {
  REQUIRE_NAMESPACE();
  Dirs d;
  WriteFile(d.src + "/a", "from a");
  WriteFile(d.src + "/b", "from b");
  ASSERT_EQ(mount((d.src + "/a").c_str(), (d.src + "/b").c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
  EXPECT_EQ(Slurp(d.src + "/b"), "from a");
  EXPECT_EQ(mount((d.src + "/a").c_str(), d.mnt.c_str(), nullptr, MS_BIND, nullptr), -1);
  EXPECT_EQ(errno, ENOTDIR);
  ASSERT_EQ(umount2((d.src + "/b").c_str(), 0), 0) << strerror(errno);
  EXPECT_EQ(Slurp(d.src + "/b"), "from b");
}

TEST(Mount, BindWithoutSourceFailsWithEINVALOrENOENT) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(mount("", d.mnt.c_str(), nullptr, MS_BIND, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(mount((d.src + "/missing").c_str(), d.mnt.c_str(), nullptr, MS_BIND, nullptr), -1);
  EXPECT_EQ(errno, ENOENT);
}

TEST(Mount, RecursiveBindCopiesSubmountsAndPlainBindDoesNot) {
  REQUIRE_NAMESPACE();
  Dirs d;
  const std::string sub = d.src + "/sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  ASSERT_EQ(mount("none", sub.c_str(), "tmpfs", 0, nullptr), 0) << strerror(errno);
  WriteFile(sub + "/inner", "in");
  ASSERT_EQ(mount(d.src.c_str(), d.mnt.c_str(), nullptr, MS_BIND, nullptr), 0);
  EXPECT_FALSE(Exists(d.mnt + "/sub/inner"));
  ASSERT_EQ(umount2(d.mnt.c_str(), 0), 0);
  ASSERT_EQ(mount(d.src.c_str(), d.mnt.c_str(), nullptr, MS_BIND | MS_REC, nullptr), 0);
  EXPECT_EQ(Slurp(d.mnt + "/sub/inner"), "in");
  // A mount with mounts below it is busy; MNT_DETACH takes the whole tree.
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), -1);
  EXPECT_EQ(errno, EBUSY);
  ASSERT_EQ(umount2(d.mnt.c_str(), MNT_DETACH), 0);
  EXPECT_FALSE(Exists(d.mnt + "/sub"));
  EXPECT_EQ(umount2(sub.c_str(), 0), 0);
}

TEST(Mount, MoveMountsATree) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.src.c_str(), "tmpfs", 0, nullptr), 0);
  WriteFile(d.src + "/f", "moved");
  ASSERT_EQ(mount(d.src.c_str(), d.mnt.c_str(), nullptr, MS_MOVE, nullptr), 0) << strerror(errno);
  EXPECT_EQ(Slurp(d.mnt + "/f"), "moved");
  EXPECT_FALSE(Exists(d.src + "/f"));
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

TEST(Mount, PropagationFlagsNeedAMountPointAndOneType) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, nullptr), 0);
  EXPECT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_PRIVATE, nullptr), 0) << strerror(errno);
  EXPECT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_SLAVE | MS_REC, nullptr), 0) << strerror(errno);
  EXPECT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_PRIVATE | MS_SHARED, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(mount(nullptr, d.src.c_str(), nullptr, MS_PRIVATE, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

TEST(Mount, NoexecMountRefusesExecveAndExecutableMappings) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", MS_NOEXEC, nullptr), 0);
  const std::string prog = d.mnt + "/prog";
  WriteFile(prog, Slurp("/bin/true"), 0755);
  char* const argv[] = {const_cast<char*>("prog"), nullptr};
  char* const envp[] = {nullptr};
  EXPECT_EQ(execve(prog.c_str(), argv, envp), -1);
  EXPECT_EQ(errno, EACCES);
  int fd = open(prog.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0), MAP_FAILED);
  EXPECT_EQ(errno, EPERM);
  void* p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  EXPECT_NE(p, MAP_FAILED);
  if (p != MAP_FAILED) munmap(p, 4096);
  close(fd);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0) << strerror(errno);
}

TEST(Mount, NodevMountRefusesDeviceNodesWithEACCES) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", MS_NODEV, nullptr), 0);
  const std::string node = d.mnt + "/null";
  ASSERT_EQ(mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0) << strerror(errno);
  EXPECT_EQ(open(node.c_str(), O_WRONLY), -1);
  EXPECT_EQ(errno, EACCES);
  ASSERT_EQ(mount(nullptr, d.mnt.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr), 0);
  int fd = open(node.c_str(), O_WRONLY);
  EXPECT_GE(fd, 0) << strerror(errno);
  close(fd);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

TEST(Umount, BusyWithAnOpenFileUnlessDetached) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, nullptr), 0);
  WriteFile(d.mnt + "/f", "still here");
  int fd = open((d.mnt + "/f").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), -1);
  EXPECT_EQ(errno, EBUSY);
  ASSERT_EQ(umount2(d.mnt.c_str(), MNT_DETACH), 0) << strerror(errno);
  EXPECT_FALSE(Exists(d.mnt + "/f"));
  char buf[16] = {};
  EXPECT_EQ(pread(fd, buf, sizeof buf, 0), 10);
  close(fd);
}

TEST(Umount, ErrorsForNonMountPointsFlagsAndSymlinks) {
  REQUIRE_NAMESPACE();
  Dirs d;
  EXPECT_EQ(umount2(d.src.c_str(), 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(umount2((d.src + "/missing").c_str(), 0), -1);
  EXPECT_EQ(errno, ENOENT);
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, nullptr), 0);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0x100), -1);
  EXPECT_EQ(errno, EINVAL);
  const std::string link = d.tmp.path() + "/link";
  ASSERT_EQ(symlink(d.mnt.c_str(), link.c_str()), 0);
  EXPECT_EQ(umount2(link.c_str(), UMOUNT_NOFOLLOW), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(umount2(link.c_str(), MNT_FORCE), 0) << strerror(errno);
}

TEST(Mount, ProcMountShowsProcesses) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(mount("proc", d.mnt.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr), 0) << strerror(errno);
  EXPECT_TRUE(Exists(d.mnt + "/self/status"));
  EXPECT_NE(MountinfoLine(d.mnt).find(" - proc proc rw"), std::string::npos) << MountinfoLine(d.mnt);
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

// Runs `fn` in a child with the nobody user's ids; its exit status is the result.
template <typename Fn>
void AsNobody(Fn fn) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(100);
    _exit(fn());
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The effective uid `/usr/bin/id -u`, copied set-user-ID root onto a tmpfs
// mounted with `flags`, reports when the nobody user runs it.
std::string SetuidIdAsNobody(unsigned long flags) {
  Dirs d;
  if (chmod(d.tmp.path().c_str(), 0755) != 0) return "chmod";
  if (mount("none", d.mnt.c_str(), "tmpfs", flags, "mode=755") != 0) return "mount";
  const std::string prog = d.mnt + "/id";
  WriteFile(prog, Slurp("/usr/bin/id"), 0755);
  if (chmod(prog.c_str(), 04755) != 0) return "chmod prog";
  int fds[2];
  if (pipe(fds) != 0) return "pipe";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(100);
    char* const argv[] = {const_cast<char*>("id"), const_cast<char*>("-u"), nullptr};
    char* const envp[] = {nullptr};
    execve(prog.c_str(), argv, envp);
    _exit(101);
  }
  close(fds[1]);
  std::string out;
  char buf[64];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  umount2(d.mnt.c_str(), MNT_DETACH);
  return out;
}

TEST(Mount, NosuidMountIgnoresSetUserIdBits) {
  REQUIRE_NAMESPACE();
  EXPECT_EQ(SetuidIdAsNobody(0), "0\n");
  EXPECT_EQ(SetuidIdAsNobody(MS_NOSUID), "65534\n");
}

TEST(Mount, UnprivilegedCallersGetEPERMAfterTheLookup) {
  REQUIRE_NAMESPACE();
  Dirs d;
  ASSERT_EQ(chmod(d.tmp.path().c_str(), 0755), 0);
  ASSERT_EQ(mount("none", d.mnt.c_str(), "tmpfs", 0, nullptr), 0);
  const std::string mnt = d.mnt, missing = d.src + "/missing";
  AsNobody([&] {
    if (mount("none", mnt.c_str(), "tmpfs", 0, nullptr) != -1 || errno != EPERM) return 1;
    if (mount("none", missing.c_str(), "tmpfs", 0, nullptr) != -1 || errno != ENOENT) return 2;
    if (umount2(mnt.c_str(), 0) != -1 || errno != EPERM) return 3;
    if (umount2(mnt.c_str(), 0x100) != -1 || errno != EINVAL) return 4;
    if (mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != -1 || errno != EPERM) return 5;
    return 0;
  });
  EXPECT_EQ(umount2(d.mnt.c_str(), 0), 0);
}

}  // namespace
