// execve(2) and vfork(2): #! scripts, ENOENT/EACCES/ENOEXEC, what survives
// an exec (pid, parent, fds without FD_CLOEXEC, ignored dispositions, the
// signal mask, pending signals) and what does not (FD_CLOEXEC fds, handlers),
// exec from a non-leader thread, vfork's suspended parent, posix_spawn.
//
// The program re-executes itself as the exec target: with LX_EXEC_HELPER set
// in its environment it prints what it observes as key=value lines on
// stdout and exits before gtest runs.
#include <pthread.h>
#include <spawn.h>
#include <sys/auxv.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "proc_util.h"
#include "tmpdir.h"

namespace {

using conf::ForkChild;
using conf::WaitPid;

// Absolute path of this program. A plain array: it is filled from
// .init_array, possibly before a std::string's constructor would run.
char g_self[PATH_MAX];

void Print(const std::string& s) { (void)!write(1, s.data(), s.size()); }

const char* Disposition(int sig) {
  struct sigaction sa{};
  sigaction(sig, nullptr, &sa);
  if (sa.sa_handler == SIG_DFL) return "dfl";
  if (sa.sa_handler == SIG_IGN) return "ign";
  return "handler";
}

// The exec target: reports and exits. Runs from .init_array, before main.
void HelperMain(int argc, char** argv) {
  const char* mode = getenv("LX_EXEC_HELPER");
  if (!mode) return;
  if (std::string(mode) == "sleep") {
    conf::SleepMs(200);
    _exit(0);
  }
  std::string out;
  out += "pid=" + std::to_string(getpid()) + "\n";
  out += "ppid=" + std::to_string(getppid()) + "\n";
  out += "tid=" + std::to_string(gettid()) + "\n";
  out += "argc=" + std::to_string(argc) + "\n";
  for (int i = 0; i < argc; ++i) out += "argv" + std::to_string(i) + "=" + argv[i] + "\n";
  for (int fd = 3; fd < 64; ++fd)
    if (fcntl(fd, F_GETFD) != -1) out += "fd" + std::to_string(fd) + "=open\n";
  out += std::string("usr1=") + Disposition(SIGUSR1) + "\n";
  out += std::string("usr2=") + Disposition(SIGUSR2) + "\n";
  sigset_t mask, pend;
  sigprocmask(SIG_BLOCK, nullptr, &mask);
  sigpending(&pend);
  out += std::string("term_blocked=") + (sigismember(&mask, SIGTERM) ? "1" : "0") + "\n";
  out += std::string("term_pending=") + (sigismember(&pend, SIGTERM) ? "1" : "0") + "\n";
  stack_t ss{};
  sigaltstack(nullptr, &ss);
  out += "altstack_flags=" + std::to_string(ss.ss_flags) + "\n";
  Print(out);
  _exit(0);
}

__attribute__((constructor)) void EarlyInit(int argc, char** argv, char** /*envp*/) {
  const char* fn = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
  if (!fn || !realpath(fn, g_self)) g_self[0] = 0;
  HelperMain(argc, argv);
}

using Report = std::map<std::string, std::string>;

Report Parse(const std::string& text) {
  Report r;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    size_t eq = line.find('=');
    if (eq != std::string::npos) r[line.substr(0, eq)] = line.substr(eq + 1);
    pos = nl + 1;
  }
  return r;
}

std::string ReadAll(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 || (n == -1 && errno == EINTR))
    if (n > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Forks; the child runs `prepare`, points stdout at a pipe and execs `path`
// with argv and LX_EXEC_HELPER=report. Returns the helper's report and the
// child's wait status.
Report RunHelper(const std::string& path, std::vector<std::string> argv, const std::function<void()>& prepare,
                 int* status = nullptr, pid_t* child = nullptr) {
  int fds[2];
  if (pipe(fds) != 0) abort();
  std::vector<std::string> env = {"LX_EXEC_HELPER=report"};
  pid_t pid = ForkChild([&] {
    close(fds[0]);
    prepare();
    dup2(fds[1], 1);
    close(fds[1]);
    auto a = CStrings(argv);
    auto e = CStrings(env);
    execve(path.c_str(), a.data(), e.data());
    return 127;
  });
  close(fds[1]);
  std::string text = ReadAll(fds[0]);
  close(fds[0]);
  int st = 0;
  WaitPid(pid, &st);
  if (status) *status = st;
  if (child) *child = pid;
  return Parse(text);
}

TEST(Exec, ArgvReachesTheNewImage) {
  ASSERT_NE(g_self[0], 0);
  int st = 0;
  Report r = RunHelper(g_self, {"zeroth", "one", "two words"}, [] {}, &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_EQ(r["argc"], "3");
  EXPECT_EQ(r["argv0"], "zeroth");
  EXPECT_EQ(r["argv2"], "two words");
}

TEST(Exec, PidAndParentAreKept) {
  pid_t child = 0;
  Report r = RunHelper(g_self, {"h"}, [] {}, nullptr, &child);
  EXPECT_EQ(r["pid"], std::to_string(child));
  EXPECT_EQ(r["tid"], std::to_string(child));
  EXPECT_EQ(r["ppid"], std::to_string(getpid()));
}

TEST(Exec, CloexecFdsCloseOthersStayOpen) {
  int keep = open("/dev/null", O_RDONLY);
  int gone = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int gone2 = fcntl(keep, F_DUPFD_CLOEXEC, 0);
  ASSERT_GE(keep, 3);
  ASSERT_GE(gone, 3);
  ASSERT_GE(gone2, 3);
  Report r = RunHelper(g_self, {"h"}, [] {});
  EXPECT_EQ(r["fd" + std::to_string(keep)], "open");
  EXPECT_EQ(r.count("fd" + std::to_string(gone)), 0u);
  EXPECT_EQ(r.count("fd" + std::to_string(gone2)), 0u);
  close(keep);
  close(gone);
  close(gone2);
}

TEST(Exec, HandledSignalsResetIgnoredStayIgnored) {
  Report r = RunHelper(g_self, {"h"}, [] {
    signal(SIGUSR1, [](int) {});
    signal(SIGUSR2, SIG_IGN);
  });
  EXPECT_EQ(r["usr1"], "dfl");
  EXPECT_EQ(r["usr2"], "ign");
}

TEST(Exec, MaskAndPendingSignalsAreKeptAltStackIsNot) {
  static char stack[65536];
  Report r = RunHelper(g_self, {"h"}, [] {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, nullptr);
    raise(SIGTERM);
    stack_t ss{};
    ss.ss_sp = stack;
    ss.ss_size = sizeof stack;
    sigaltstack(&ss, nullptr);
  });
  EXPECT_EQ(r["term_blocked"], "1");
  EXPECT_EQ(r["term_pending"], "1");
  EXPECT_EQ(r["altstack_flags"], std::to_string(SS_DISABLE));
}

TEST(Exec, ShebangScriptRunsInterpreterWithScriptPathAndArgs) {
  conf::TempDir dir;
  const std::string script = dir / "script";
  ASSERT_TRUE(conf::WriteFile(script, "#!" + std::string(g_self) + " optarg\nignored\n", 0755));
  int st = 0;
  Report r = RunHelper(script, {"name", "a1", "a2"}, [] {}, &st);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_EQ(r["argc"], "5");
  EXPECT_EQ(r["argv0"], g_self);
  EXPECT_EQ(r["argv1"], "optarg");
  EXPECT_EQ(r["argv2"], script);
  EXPECT_EQ(r["argv3"], "a1");
  EXPECT_EQ(r["argv4"], "a2");
}

TEST(Exec, MissingFileFailsWithENOENT) {
  char* argv[] = {const_cast<char*>("x"), nullptr};
  EXPECT_ERRNO(ENOENT, execve("/nonexistent-lx-test/prog", argv, environ));
  conf::TempDir dir;
  const std::string script = dir / "bad-interp";
  ASSERT_TRUE(conf::WriteFile(script, "#!/nonexistent-lx-test/interp\n", 0755));
  EXPECT_ERRNO(ENOENT, execve(script.c_str(), argv, environ));
}

TEST(Exec, FileWithoutExecuteBitFailsWithEACCES) {
  conf::TempDir dir;
  const std::string path = dir / "noexec";
  ASSERT_TRUE(conf::WriteFile(path, "#!/bin/sh\nexit 0\n", 0644));
  char* argv[] = {const_cast<char*>("x"), nullptr};
  EXPECT_ERRNO(EACCES, execve(path.c_str(), argv, environ));
  EXPECT_ERRNO(EACCES, execve(dir.path().c_str(), argv, environ));  // a directory
}

TEST(Exec, UnknownFormatFailsWithENOEXEC) {
  conf::TempDir dir;
  const std::string path = dir / "garbage";
  ASSERT_TRUE(conf::WriteFile(path, std::string(64, 'z'), 0755));
  char* argv[] = {const_cast<char*>("x"), nullptr};
  EXPECT_ERRNO(ENOEXEC, execve(path.c_str(), argv, environ));
}

TEST(Exec, BadPointersFailWithEFAULT) {
  EXPECT_ERRNO(EFAULT, syscall(SYS_execve, conf::kOnePtr, nullptr, nullptr));
  char* bad_argv[] = {static_cast<char*>(conf::kOnePtr), nullptr};
  EXPECT_ERRNO(EFAULT, syscall(SYS_execve, g_self, bad_argv, nullptr));
}

void* ExecFromThread(void*) {
  std::vector<std::string> argv = {"from-thread"};
  std::vector<std::string> env = {"LX_EXEC_HELPER=report"};
  auto a = CStrings(argv);
  auto e = CStrings(env);
  execve(g_self, a.data(), e.data());
  _exit(127);
}

TEST(Exec, FromNonLeaderThreadKeepsProcessPid) {
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  pid_t pid = ForkChild([&] {
    dup2(fds[1], 1);
    pthread_t th;
    pthread_create(&th, nullptr, ExecFromThread, nullptr);
    for (;;) pause();
    return 0;
  });
  close(fds[1]);
  Report r = Parse(ReadAll(fds[0]));
  close(fds[0]);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_EQ(r["argv0"], "from-thread");
  EXPECT_EQ(r["pid"], std::to_string(pid));
  EXPECT_EQ(r["tid"], std::to_string(pid));
}

TEST(Vfork, ParentSuspendedUntilChildExits) {
  static volatile int flag = 0;
  flag = 0;
  pid_t pid = vfork();
  if (pid == 0) {
    timespec ts{0, 50 * 1000000};
    syscall(SYS_nanosleep, &ts, nullptr);
    flag = 1;  // shared memory: the parent sees it when it resumes
    _exit(3);
  }
  ASSERT_GT(pid, 0);
  EXPECT_EQ(flag, 1);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_EQ(WEXITSTATUS(st), 3);
}

TEST(Vfork, ParentResumesWhenChildExecs) {
  static char arg0[] = "sleeper";
  static char env0[] = "LX_EXEC_HELPER=sleep";
  static char* argv[] = {arg0, nullptr};
  static char* envp[] = {env0, nullptr};
  const char* path = g_self;
  pid_t pid = vfork();
  if (pid == 0) {
    execve(path, argv, envp);
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  // The helper sleeps 200 ms after the exec: the parent runs meanwhile.
  int st = 0;
  EXPECT_EQ(waitpid(pid, &st, WNOHANG), 0);
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(Vfork, PosixSpawnRunsProgram) {
  int fds[2];
  ASSERT_SYS_OK(pipe(fds));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> argv = {"spawned", "arg"};
  std::vector<std::string> env = {"LX_EXEC_HELPER=report"};
  auto a = CStrings(argv);
  auto e = CStrings(env);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, g_self, &fa, nullptr, a.data(), e.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  Report r = Parse(ReadAll(fds[0]));
  close(fds[0]);
  int st = 0;
  ASSERT_EQ(WaitPid(pid, &st), pid);
  EXPECT_EQ(r["argv1"], "arg");
  EXPECT_EQ(r["pid"], std::to_string(pid));
  // A missing program is reported by posix_spawn itself.
  EXPECT_EQ(posix_spawn(&pid, "/nonexistent-lx-test", nullptr, nullptr, a.data(), e.data()), ENOENT);
}

}  // namespace
