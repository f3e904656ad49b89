// procfs and sysfs as a process sees them: /proc/self's files agree with
// the syscalls that report the same facts, formats parse as Linux's, and
// the magic links (exe, cwd, fd/N) name and reach the right files.
#include "common.h"

#include <dirent.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

using namespace conf;

extern char** environ;

namespace {

std::string ReadAll(const std::string& path) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd < 0) return "<error " + ErrnoName(errno) + ">";
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return "<error " + ErrnoName(errno) + ">";
  return std::string(buf, static_cast<size_t>(n));
}

// The value of "Key:\t..." in a status-like file ("" if absent).
std::string Field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      return v.substr(v.find_first_not_of(" \t") == std::string::npos ? v.size() : v.find_first_not_of(" \t"));
    }
  return "";
}

std::set<std::string> ListDir(const std::string& path) {
  std::set<std::string> names;
  DIR* d = opendir(path.c_str());
  if (!d) return names;
  while (dirent* e = readdir(d)) names.insert(e->d_name);
  closedir(d);
  return names;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  return realpath(program_invocation_name, buf) ? buf : "";
}

// The fields of /proc/self/stat after "pid (comm)": index 0 is field 3.
std::vector<std::string> StatFields(const std::string& stat, std::string* comm) {
  const size_t open = stat.find('('), close = stat.rfind(')');
  *comm = stat.substr(open + 1, close - open - 1);
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  for (std::string s; in >> s;) f.push_back(s);
  return f;
}

}  // namespace

TEST(ProcSelf, SelfAndThreadSelfNameOurIds) {
  EXPECT_EQ(ReadLink("/proc/self"), std::to_string(getpid()));
  EXPECT_EQ(ReadLink("/proc/thread-self"), std::to_string(getpid()) + "/task/" + std::to_string(gettid()));
}

TEST(ProcSelf, StatusIdsMatchGetters) {
  const std::string s = ReadAll("/proc/self/status");
  EXPECT_EQ(Field(s, "Pid"), std::to_string(getpid()));
  EXPECT_EQ(Field(s, "Tgid"), std::to_string(getpid()));
  EXPECT_EQ(Field(s, "PPid"), std::to_string(getppid()));
  EXPECT_EQ(Field(s, "TracerPid"), "0");
  const std::string uid = std::to_string(getuid()), euid = std::to_string(geteuid());
  EXPECT_EQ(Field(s, "Uid").substr(0, uid.size() + 1 + euid.size()), uid + "\t" + euid);
  const std::string gid = std::to_string(getgid());
  EXPECT_EQ(Field(s, "Gid").substr(0, gid.size() + 1), gid + "\t");
  EXPECT_EQ(Field(s, "State"), "R (running)");
  EXPECT_EQ(Field(s, "Threads"), "1");
  EXPECT_EQ(Field(s, "NoNewPrivs"), "0");
  mode_t old = umask(027);
  EXPECT_EQ(Field(ReadAll("/proc/self/status"), "Umask"), "0027");
  umask(old);
  for (const char* key : {"Name", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "CapEff", "CapBnd", "Cpus_allowed",
                          "Cpus_allowed_list", "VmSize", "VmRSS", "FDSize", "voluntary_ctxt_switches"})
    EXPECT_NE(Field(s, key), "") << key << " missing in\n" << s;
}

TEST(ProcSelf, StatusShowsBlockedAndIgnoredSignals) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_SYS_OK(sigprocmask(SIG_BLOCK, &block, &old));
  struct sigaction ign{}, prev{};
  ign.sa_handler = SIG_IGN;
  ASSERT_SYS_OK(sigaction(SIGUSR2, &ign, &prev));
  const std::string s = ReadAll("/proc/self/status");
  sigaction(SIGUSR2, &prev, nullptr);
  sigprocmask(SIG_SETMASK, &old, nullptr);
  EXPECT_NE(std::stoull(Field(s, "SigBlk"), nullptr, 16) & (1ull << (SIGUSR1 - 1)), 0u) << s;
  EXPECT_NE(std::stoull(Field(s, "SigIgn"), nullptr, 16) & (1ull << (SIGUSR2 - 1)), 0u) << s;
}

TEST(ProcSelf, StatHas52FieldsMatchingGetters) {
  std::string comm;
  const std::string stat = ReadAll("/proc/self/stat");
  ASSERT_EQ(stat.back(), '\n');
  EXPECT_EQ(stat.substr(0, stat.find(' ')), std::to_string(getpid()));
  std::vector<std::string> f = StatFields(stat, &comm);
  ASSERT_EQ(f.size(), 50u) << stat;  // fields 3..52
  char name[16] = {};
  prctl(PR_GET_NAME, name);
  EXPECT_EQ(comm, name);
  EXPECT_EQ(f[0], "R");
  EXPECT_EQ(f[4 - 3], std::to_string(getppid()));
  EXPECT_EQ(f[5 - 3], std::to_string(getpgrp()));
  EXPECT_EQ(f[6 - 3], std::to_string(getsid(0)));
  EXPECT_EQ(f[20 - 3], "1");  // num_threads
  EXPECT_EQ(f[38 - 3], std::to_string(SIGCHLD));  // exit_signal of a forked child
  // starttime (ticks since boot) is no later than now.
  double up = 0;
  std::istringstream(ReadAll("/proc/uptime")) >> up;
  EXPECT_LE(std::stoull(f[22 - 3]), static_cast<unsigned long long>(up * 100) + 100);
  EXPECT_GT(std::stoull(f[23 - 3]), 0u);  // vsize
}

TEST(ProcSelf, StatmHasSevenFields) {
  std::istringstream in(ReadAll("/proc/self/statm"));
  std::vector<unsigned long> v;
  for (unsigned long x; in >> x;) v.push_back(x);
  ASSERT_EQ(v.size(), 7u);
  EXPECT_GT(v[0], 0u);
}

TEST(ProcSelf, CmdlineIsArgvNulSeparated) {
  const std::string c = ReadAll("/proc/self/cmdline");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.back(), '\0');
  EXPECT_EQ(std::string(c.c_str()), program_invocation_name);
}

TEST(ProcSelf, EnvironIsTheInitialEnvironment) {
  const std::string e = ReadAll("/proc/self/environ");
  ASSERT_NE(environ[0], nullptr);
  EXPECT_EQ(std::string(e.c_str()), environ[0]);
}

TEST(ProcSelf, CommWriteRenamesTheThread) {
  char before[16] = {};
  prctl(PR_GET_NAME, before);
  {
    ScopedFd fd(open("/proc/self/comm", O_WRONLY | O_CLOEXEC));
    ASSERT_GE(fd.get(), 0);
    EXPECT_EQ(write(fd, "renamed-by-proc", 15), 15);
  }
  char now[16] = {};
  prctl(PR_GET_NAME, now);
  EXPECT_STREQ(now, "renamed-by-proc");
  EXPECT_EQ(ReadAll("/proc/self/comm"), "renamed-by-proc\n");
  prctl(PR_SET_NAME, before);
  EXPECT_EQ(ReadAll("/proc/self/comm"), std::string(before) + "\n");
}

TEST(ProcSelf, ExeNamesTheTestBinary) {
  EXPECT_EQ(ReadLink("/proc/self/exe"), SelfExe());
  struct stat a{}, b{};
  ASSERT_SYS_OK(stat("/proc/self/exe", &a));
  ASSERT_SYS_OK(stat(SelfExe().c_str(), &b));
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST(ProcSelf, CwdAndRootLinks) {
  char cwd[PATH_MAX];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(ReadLink("/proc/self/cwd"), cwd);
  EXPECT_EQ(ReadLink("/proc/self/root"), "/");
}

TEST(ProcSelf, FdListsOpenFilesWithTheirTargets) {
  ScopedFd file(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  int p[2];
  ASSERT_SYS_OK(pipe2(p, O_CLOEXEC));
  ScopedFd r(p[0]), w(p[1]);
  const std::set<std::string> fds = ListDir("/proc/self/fd");
  for (int fd : {file.get(), r.get(), w.get()}) EXPECT_TRUE(fds.count(std::to_string(fd))) << fd;
  EXPECT_EQ(ReadLink("/proc/self/fd/" + std::to_string(file.get())), Fixture("hello.txt"));
  struct stat st{};
  ASSERT_SYS_OK(fstat(r, &st));
  EXPECT_EQ(ReadLink("/proc/self/fd/" + std::to_string(r.get())), "pipe:[" + std::to_string(st.st_ino) + "]");
  char buf[16];
  EXPECT_ERRNO(ENOENT, readlink("/proc/self/fd/987654", buf, sizeof buf));
}

TEST(ProcSelf, OpeningFdOfAFileReadsTheFile) {
  ScopedFd file(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(ReadAll("/proc/self/fd/" + std::to_string(file.get())), kHelloText);
}

TEST(ProcSelf, OpeningFdOfAPipeReachesThePipe) {
  int p[2];
  ASSERT_SYS_OK(pipe2(p, O_CLOEXEC));
  ScopedFd r(p[0]), w(p[1]);
  ScopedFd w2(open(("/proc/self/fd/" + std::to_string(w.get())).c_str(), O_WRONLY | O_CLOEXEC));
  ASSERT_GE(w2.get(), 0) << ErrnoName(errno);
  ASSERT_EQ(write(w2, "via proc", 8), 8);
  char buf[16] = {};
  EXPECT_EQ(read(r, buf, sizeof buf), 8);
  EXPECT_STREQ(buf, "via proc");
}

TEST(ProcSelf, OpeningFdOfAPipeWithODirectoryIsENOTDIR) {
  int p[2];
  ASSERT_SYS_OK(pipe2(p, O_CLOEXEC));
  ScopedFd r(p[0]), w(p[1]);
  EXPECT_ERRNO(ENOTDIR, open(("/proc/self/fd/" + std::to_string(r.get())).c_str(), O_RDONLY | O_DIRECTORY));
}

TEST(ProcSelf, ShellRedirectToDevStdoutStyleCreatOpenReachesThePipe) {
  int p[2];
  ASSERT_SYS_OK(pipe2(p, O_CLOEXEC));
  ScopedFd r(p[0]), w(p[1]);
  // `> /dev/stdout` opens with O_CREAT|O_TRUNC through the magic link.
  ScopedFd w2(open(("/proc/self/fd/" + std::to_string(w.get())).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_GE(w2.get(), 0) << ErrnoName(errno);
  ASSERT_EQ(write(w2, "ok", 2), 2);
  char buf[4] = {};
  EXPECT_EQ(read(r, buf, sizeof buf), 2);
  EXPECT_STREQ(buf, "ok");
}

TEST(ProcSelf, ResolveNoMagiclinksRefusesMagicLinksOnly) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  EXPECT_ERRNO(ELOOP, syscall(SYS_openat2, AT_FDCWD, "/proc/self/exe", &how, sizeof how));
  EXPECT_ERRNO(ELOOP, syscall(SYS_openat2, AT_FDCWD, "/proc/self/fd/0", &how, sizeof how));
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  const long fd = syscall(SYS_openat2, AT_FDCWD, "/proc/self", &how, sizeof how);  // a plain symlink
  EXPECT_GE(fd, 0) << ErrnoName(errno);
  if (fd >= 0) close(static_cast<int>(fd));
}

TEST(ProcSelf, FdinfoShowsPositionAndFlags) {
  ScopedFd file(OpenFixture("hello.txt", O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(lseek(file, 5, SEEK_SET), 5);
  const std::string info = ReadAll("/proc/self/fdinfo/" + std::to_string(file.get()));
  EXPECT_EQ(Field(info, "pos"), "5") << info;
  const unsigned long flags = std::stoul(Field(info, "flags"), nullptr, 8);
  EXPECT_EQ(flags & O_ACCMODE, static_cast<unsigned long>(O_RDONLY));
  EXPECT_NE(flags & O_CLOEXEC, 0u) << info;
  EXPECT_NE(Field(info, "mnt_id"), "");
}

TEST(ProcSelf, MapsShowsTheExecutableMapping) {
  const std::string maps = ReadAll("/proc/self/maps");
  bool found = false;
  std::istringstream in(maps);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > SelfExe().size() && line.substr(line.size() - SelfExe().size()) == SelfExe() &&
        line.find(" r-xp ") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << maps;
  EXPECT_NE(maps.find("[stack]"), std::string::npos);
}

TEST(ProcSelf, TaskListsEveryThread) {
  std::atomic<int> tid{0};
  std::atomic<bool> done{false};
  pthread_t th;
  struct Arg {
    std::atomic<int>* tid;
    std::atomic<bool>* done;
  } arg{&tid, &done};
  ASSERT_EQ(pthread_create(&th, nullptr, [](void* p) -> void* {
    auto* a = static_cast<Arg*>(p);
    a->tid->store(static_cast<int>(gettid()));
    while (!a->done->load()) usleep(1000);
    return nullptr;
  }, &arg), 0);
  while (!tid.load()) usleep(1000);
  const std::set<std::string> tasks = ListDir("/proc/self/task");
  const std::string status = ReadAll("/proc/self/status");
  const std::string thread_stat = ReadAll("/proc/self/task/" + std::to_string(tid.load()) + "/stat");
  done = true;
  pthread_join(th, nullptr);
  EXPECT_EQ(tasks, (std::set<std::string>{".", "..", std::to_string(getpid()), std::to_string(tid.load())}));
  EXPECT_EQ(Field(status, "Threads"), "2");
  EXPECT_EQ(thread_stat.substr(0, thread_stat.find(' ')), std::to_string(tid.load()));
}

TEST(ProcSelf, MountsListProcAndParse) {
  const std::string m = ReadAll("/proc/self/mounts");
  bool proc = false;
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string dev, dir, type, opts, freq, pass;
    ASSERT_TRUE(static_cast<bool>(f >> dev >> dir >> type >> opts >> freq >> pass)) << line;
    if (dir == "/proc" && type == "proc") proc = true;
  }
  EXPECT_TRUE(proc) << m;
  EXPECT_EQ(ReadAll("/proc/mounts"), m);
  EXPECT_NE(ReadAll("/proc/self/mountinfo").find(" /proc "), std::string::npos);
}

TEST(ProcSelf, LimitsMatchGetrlimit) {
  rlimit r{};
  ASSERT_SYS_OK(getrlimit(RLIMIT_NOFILE, &r));
  const std::string l = ReadAll("/proc/self/limits");
  EXPECT_EQ(l.substr(0, 5), "Limit");
  const size_t at = l.find("Max open files");
  ASSERT_NE(at, std::string::npos);
  std::istringstream in(l.substr(at + 14));
  std::string soft, hard;
  in >> soft >> hard;
  EXPECT_EQ(soft, std::to_string(r.rlim_cur));
  EXPECT_EQ(hard, std::to_string(r.rlim_max));
}

TEST(Proc, ListingShowsSelfAndOurPid) {
  const std::set<std::string> names = ListDir("/proc");
  EXPECT_TRUE(names.count("self"));
  EXPECT_TRUE(names.count(std::to_string(getpid())));
  EXPECT_TRUE(names.count("meminfo"));
}

TEST(Proc, MissingPidIsENOENT) {
  EXPECT_ERRNO(ENOENT, open("/proc/999999999/status", O_RDONLY));
  EXPECT_ERRNO(ENOENT, open("/proc/self/no-such-file", O_RDONLY));
  EXPECT_ERRNO(ENOENT, open("/proc/no-such-file", O_RDONLY));
}

TEST(Proc, ReadOnlyFileWritesFail) {
  for (const char* path : {"/proc/self/stat", "/proc/cpuinfo"}) {
    errno = 0;
    ScopedFd fd(open(path, O_WRONLY | O_CLOEXEC));
    if (geteuid() == 0) {
      // Root may open them (CAP_DAC_OVERRIDE); they have no write method:
      // EINVAL per process, EIO for the system-wide file (proc_reg_write).
      ASSERT_GE(fd.get(), 0) << path << ": " << ErrnoName(errno);
      EXPECT_ERRNO(path[6] == 's' ? EINVAL : EIO, write(fd, "x", 1));
    } else {
      EXPECT_EQ(fd.get(), -1);
      EXPECT_EQ(errno, EACCES);
    }
  }
  EXPECT_ERRNO(EACCES, open("/proc/sys/kernel/ostype", O_WRONLY));
}

TEST(Proc, SysctlsAndSystemFilesParse) {
  EXPECT_EQ(ReadAll("/proc/sys/kernel/ostype"), "Linux\n");
  utsname u{};
  ASSERT_SYS_OK(uname(&u));
  EXPECT_EQ(ReadAll("/proc/sys/kernel/osrelease"), std::string(u.release) + "\n");
  EXPECT_EQ(ReadAll("/proc/sys/kernel/hostname"), std::string(u.nodename) + "\n");
  EXPECT_EQ(ReadAll("/proc/version").rfind(std::string("Linux version ") + u.release + " ", 0), 0u);
  const std::string boot = ReadAll("/proc/sys/kernel/random/boot_id");
  EXPECT_EQ(boot.size(), 37u);
  EXPECT_EQ(ReadAll("/proc/sys/kernel/random/boot_id"), boot);
  EXPECT_NE(ReadAll("/proc/sys/kernel/random/uuid"), ReadAll("/proc/sys/kernel/random/uuid"));
  EXPECT_GT(std::stol(ReadAll("/proc/sys/kernel/pid_max")), 0);
  const std::string oc = ReadAll("/proc/sys/vm/overcommit_memory");
  EXPECT_TRUE(oc == "0\n" || oc == "1\n" || oc == "2\n") << oc;
  EXPECT_GT(std::stol(ReadAll("/proc/sys/fs/nr_open")), 0);
  double up = 0, idle = -1;
  std::istringstream(ReadAll("/proc/uptime")) >> up >> idle;
  EXPECT_GT(up, 0);
  EXPECT_GE(idle, 0);
  double l1 = -1;
  std::istringstream(ReadAll("/proc/loadavg")) >> l1;
  EXPECT_GE(l1, 0);
  EXPECT_NE(Field(ReadAll("/proc/meminfo"), "MemTotal"), "");
  const std::string stat = ReadAll("/proc/stat");
  EXPECT_EQ(stat.rfind("cpu ", 0), 0u);
  EXPECT_NE(stat.find("\nbtime "), std::string::npos);
  EXPECT_NE(ReadAll("/proc/filesystems").find("\tproc\n"), std::string::npos);
  EXPECT_NE(ReadAll("/proc/cpuinfo").find("processor"), std::string::npos);
}

TEST(Proc, SeekAndPreadWorkOnGeneratedText) {
  ScopedFd fd(open("/proc/sys/kernel/ostype", O_RDONLY | O_CLOEXEC));
  ASSERT_GE(fd.get(), 0);
  char buf[8] = {};
  EXPECT_EQ(pread(fd, buf, 3, 2), 3);
  EXPECT_STREQ(buf, "nux");
  EXPECT_EQ(lseek(fd, 1, SEEK_SET), 1);
  EXPECT_EQ(read(fd, buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "inux\n");
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
}

TEST(Sysfs, CpuOnlineMatchesSysconf) {
  const std::string online = ReadAll("/sys/devices/system/cpu/online");
  ASSERT_FALSE(online.empty());
  long last = 0;
  const size_t dash = online.find('-');
  if (dash != std::string::npos) last = std::stol(online.substr(dash + 1));
  if (online.find(',') == std::string::npos) {
    EXPECT_EQ(last + 1, sysconf(_SC_NPROCESSORS_ONLN)) << online;
  }
  EXPECT_FALSE(ReadAll("/sys/devices/system/cpu/possible").empty());
}
