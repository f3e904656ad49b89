// Syscalls made again and again from the same instruction, the way glibc's
// wrappers make them (`mov $nr, %eax; syscall`). Linux runs each one the
// same way every time; lx rewrites such a site after its first traps into a
// jump to a cheaper entry (pico/linux/StubAbi.h, "Patched syscall sites"),
// so these check that nothing a program can see changes once it has:
// results, registers, the stack's red zone, flags, FP state across signal
// handlers, restarts, fork, threads, jumps straight to the syscall
// instruction, and code in shared file mappings.
#include <asm/prctl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "common.h"
#include "tmpdir.h"

// One site per function: `mov $nr, %eax; syscall; ret`. The C arguments
// are already where the syscall wants its first three.
#define LX_SITE(name, nr) \
  asm(".text\n.globl " #name "\n.type " #name ",@function\n" #name ":\n mov $" #nr ", %eax\n syscall\n ret\n")
extern "C" {
long site_getpid();
long site_getppid();
long site_gettid();
long site_fork();
long site_read(long fd, void* buf, long n);
// Two ways into one syscall instruction: eax = getpid from the patchable
// pattern, or eax = getppid by a jump straight to the `syscall`.
long site_shared_syscall(long use_jump);
// Writes two markers into its red zone, makes getpid, returns 1 if both
// are still there.
long site_red_zone();
// Sets the direction flag around getpid; returns rflags as the syscall left them.
long site_flags();
// read() that keeps *xmm_in in %xmm6 across the syscall and stores it back
// into xmm_in[1].
long site_read_xmm(long fd, void* buf, long n, double* xmm_in);
// getppid() that does the same with io[0] and io[1].
long site_getppid_xmm(double* io);
}
LX_SITE(site_getpid, 39);
LX_SITE(site_getppid, 110);
LX_SITE(site_gettid, 186);
LX_SITE(site_fork, 57);
LX_SITE(site_read, 0);
asm(".text\n.globl site_shared_syscall\nsite_shared_syscall:\n"
    " test %rdi, %rdi\n jnz 2f\n"
    " mov $39, %eax\n"
    "1: syscall\n ret\n"
    "2: mov $110, %eax\n jmp 1b\n");
asm(".text\n.globl site_red_zone\nsite_red_zone:\n"
    " movabs $0x1122334455667788, %rdx\n mov %rdx, -8(%rsp)\n mov %rdx, -128(%rsp)\n"
    " mov $39, %eax\n syscall\n"
    " xor %eax, %eax\n cmp %rdx, -8(%rsp)\n jne 1f\n cmp %rdx, -128(%rsp)\n jne 1f\n mov $1, %eax\n"
    "1: ret\n");
asm(".text\n.globl site_flags\nsite_flags:\n"
    " std\n mov $39, %eax\n syscall\n pushfq\n pop %rax\n cld\n ret\n");
asm(".text\n.globl site_getppid_xmm\nsite_getppid_xmm:\n"
    " mov %rdi, %r8\n movsd (%r8), %xmm6\n"
    " mov $110, %eax\n syscall\n"
    " movsd %xmm6, 8(%r8)\n ret\n");
asm(".text\n.globl site_read_xmm\nsite_read_xmm:\n"
    " mov %rcx, %r8\n movsd (%r8), %xmm6\n"
    " mov $0, %eax\n syscall\n"
    " movsd %xmm6, 8(%r8)\n ret\n");

namespace {

using conf::TempDir;

constexpr int kCalls = 50;  // far more than it takes to be rewritten

std::atomic<int> g_alarms{0};
void OnAlarm(int) {
  ++g_alarms;
  asm volatile("xorps %%xmm6, %%xmm6" ::: "xmm6");  // the handler's FP state is its own
}

struct AlarmHandler {
  explicit AlarmHandler(bool restart) {
    struct sigaction sa {};
    sa.sa_handler = OnAlarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, &old);
    g_alarms = 0;
    itimerval it{};
    it.it_value.tv_usec = 50 * 1000;
    setitimer(ITIMER_REAL, &it, nullptr);
  }
  ~AlarmHandler() {
    itimerval it{};
    setitimer(ITIMER_REAL, &it, nullptr);
    sigaction(SIGALRM, &old, nullptr);
  }
  struct sigaction old {};
};

// Reads a pipe through site_read until the site is surely rewritten.
void WarmReadSite(int rfd, int wfd) {
  for (int i = 0; i < kCalls; ++i) {
    char c = 'x';
    ASSERT_EQ(write(wfd, &c, 1), 1);
    ASSERT_EQ(site_read(rfd, &c, 1), 1);
  }
}

TEST(SyscallSites, RepeatedCallsFromOneSiteReturnTheirOwnResults) {
  const long pid = syscall(SYS_getpid), ppid = syscall(SYS_getppid), tid = syscall(SYS_gettid);
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(site_getpid(), pid);
    ASSERT_EQ(site_getppid(), ppid);
    ASSERT_EQ(site_gettid(), tid);
  }
}

TEST(SyscallSites, JumpStraightToTheSyscallInstructionMakesTheCallInEax) {
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(site_shared_syscall(0), getpid());
    ASSERT_EQ(site_shared_syscall(1), getppid());
  }
}

TEST(SyscallSites, RedZoneBelowTheStackPointerSurvives) {
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_red_zone(), 1);
}

TEST(SyscallSites, DirectionFlagSurvives) {
  for (int i = 0; i < kCalls; ++i) ASSERT_NE(site_flags() & 0x400, 0);
}

TEST(SyscallSites, SignalInterruptsABlockingCallWithoutRestart) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_NO_FATAL_FAILURE(WarmReadSite(p[0], p[1]));
  double xmm[2] = {1234.5, 0};
  char c;
  {
    AlarmHandler alarm(false);
    EXPECT_EQ(site_read_xmm(p[0], &c, 1, xmm), -EINTR);
  }
  EXPECT_EQ(g_alarms.load(), 1);
  EXPECT_EQ(xmm[1], 1234.5) << "the handler's FP registers leaked into the interrupted code";
  close(p[0]);
  close(p[1]);
}

TEST(SyscallSites, SignalWithSaRestartRestartsTheCall) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_NO_FATAL_FAILURE(WarmReadSite(p[0], p[1]));
  g_alarms = 0;
  std::thread writer([&] {
    // Only after the signal came, however late, and the read went back to waiting.
    while (g_alarms.load() == 0) usleep(1000);
    usleep(50 * 1000);
    (void)!write(p[1], "z", 1);
  });
  double xmm[2] = {-7.25, 0};
  char c = 0;
  long n;
  {
    AlarmHandler alarm(true);
    n = site_read_xmm(p[0], &c, 1, xmm);
  }
  writer.join();
  EXPECT_EQ(n, 1);
  EXPECT_EQ(c, 'z');
  EXPECT_EQ(g_alarms.load(), 1);
  EXPECT_EQ(xmm[1], -7.25);
  close(p[0]);
  close(p[1]);
}

// Timer signals land anywhere in a loop of calls (under lx: in the guest,
// on the way into the provider, while it answers, on the way back): every
// one is delivered, every call returns its own result, and the handler's FP
// registers never leak into the loop.
TEST(SyscallSites, SignalsLandingDuringCallsAreDeliveredAndChangeNothing) {
  const long ppid = getppid();
  double io[2] = {3.75, 0};
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_getppid_xmm(io), ppid);
  struct sigaction sa {}, old {};
  sa.sa_handler = OnAlarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, &old);
  g_alarms = 0;
  itimerval it{};
  it.it_interval.tv_usec = 1000;
  it.it_value.tv_usec = 1000;
  setitimer(ITIMER_REAL, &it, nullptr);
  long wrong_result = 0, wrong_fp = 0, calls = 0, last = 0;
  double last_fp = 0;
  while (g_alarms.load() < 100) {
    io[1] = 0;
    const long r = site_getppid_xmm(io);
    if (r != ppid) ++wrong_result, last = r;
    if (io[1] != 3.75) ++wrong_fp, last_fp = io[1];
    ++calls;
  }
  it = {};
  setitimer(ITIMER_REAL, &it, nullptr);
  sigaction(SIGALRM, &old, nullptr);
  EXPECT_EQ(wrong_result, 0) << "of " << calls << " calls; the last was " << last;
  EXPECT_EQ(wrong_fp, 0) << "of " << calls << " calls; the last had " << last_fp;
}

// lx finds its own state through the gs base while a program has none; a
// program that sets one (readable or not) must see no difference.
TEST(SyscallSites, AGsBaseOfTheProgramsOwnChangesNothing) {
  const long ppid = getppid();
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_getppid(), ppid);
  static uint64_t block[512];
  block[0] = 0x1234;
  void* none = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(none, MAP_FAILED);
  unsigned long old = 1;
  ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_GS, &old), 0);
  for (void* base : {static_cast<void*>(block), none}) {
    ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, base), 0);
    unsigned long now = 0;
    ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_GS, &now), 0);
    EXPECT_EQ(now, reinterpret_cast<unsigned long>(base));
    for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_getppid(), ppid);
    if (base == block) {
      uint64_t v = 0;
      asm volatile("mov %%gs:0, %0" : "=r"(v));
      EXPECT_EQ(v, 0x1234u);
    }
  }
  ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_SET_GS, old), 0);
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_getppid(), ppid);
  munmap(none, 4096);
}

TEST(SyscallSites, ForkFromTheSameSiteReturnsInParentAndChild) {
  for (int i = 0; i < 5; ++i) {
    const long parent = site_getpid();
    const long child = site_fork();
    if (child == 0) {
      // The child runs the parent's (rewritten) code in its own process.
      bool ok = site_getpid() == syscall(SYS_getpid) && site_getppid() == parent;
      _exit(ok ? 0 : 1);
    }
    ASSERT_GT(child, 0);
    int st = 0;
    ASSERT_EQ(waitpid(static_cast<pid_t>(child), &st, 0), child);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "status " << st;
  }
}

TEST(SyscallSites, ThreadsRunSitesRewrittenBeforeTheyStarted) {
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(site_gettid(), syscall(SYS_gettid));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      const long tid = syscall(SYS_gettid);
      for (int i = 0; i < 2000; ++i)
        if (site_gettid() != tid || site_getpid() != getpid()) ++wrong;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Code in a MAP_SHARED mapping is the file's: calls from it leave the
// file as it was.
TEST(SyscallSites, CodeInASharedFileMappingStaysAsTheFileHasIt) {
  TempDir dir;
  const std::string path = dir.path() + "/code";
  const unsigned char code[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};  // mov $39, %eax; syscall; ret
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0700);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  ASSERT_EQ(pwrite(fd, code, sizeof code, 0), static_cast<ssize_t>(sizeof code));
  int rfd = open(path.c_str(), O_RDONLY);  // (lx maps writable tmpfs files shared only from the host: ENODEV)
  ASSERT_GE(rfd, 0);
  void* p = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, rfd, 0);
  close(rfd);
  ASSERT_NE(p, MAP_FAILED) << strerror(errno);
  auto fn = reinterpret_cast<long (*)()>(p);
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(fn(), getpid());
  unsigned char now[sizeof code];
  ASSERT_EQ(pread(fd, now, sizeof now, 0), static_cast<ssize_t>(sizeof now));
  EXPECT_EQ(std::memcmp(now, code, sizeof code), 0);
  EXPECT_EQ(std::memcmp(p, code, sizeof code), 0);
  munmap(p, 4096);
  close(fd);
}

}  // namespace
