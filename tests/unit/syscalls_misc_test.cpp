// Process, signal and system syscall handlers, driven through the syscall
// table against a page-granular in-memory guest.
#include <gtest/gtest.h>

#include "tests/unit/SyscallInvoke.h"

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Process.h"
#include "kernel/syscalls/Table.h"
#include "pico/fake/FakeHost.h"

namespace lx {
namespace {

constexpr uint64_t kPage = 4096;

class NoHost : public pico::Host {
 public:
  Result<std::unique_ptr<pico::Process>> create_process() override { return err(ENOSYS); }
  std::string name() const override { return "none"; }
};

constexpr uint64_t kMem = 0x10000;  // 4 mapped pages
constexpr uint64_t kEnd = kMem + 4 * kPage;
constexpr uint64_t kBad = 0x900000;  // unmapped
constexpr int kPid = 7;

class MiscSyscalls : public ::testing::Test {
 protected:
  explicit MiscSyscalls(uint32_t uid = 0) : kernel_(host_, nullptr, config(uid)) {
    auto proc = std::make_unique<pico::fake::FakeProcess>();
    proc_ = proc.get();
    proc_->memory().map(kMem, 4 * kPage, pico::kProtRead | pico::kProtWrite).release_value();
    tg_ = std::make_unique<ThreadGroup>(kernel_, std::move(proc), kPid);
    tg_->uid = tg_->euid = tg_->suid = tg_->fsuid = uid;
    tg_->gid = tg_->egid = tg_->sgid = tg_->fsgid = uid;
    init_default_rlimits(*tg_);
    task_ = std::make_unique<Task>(*tg_, proc_->main_thread(), kPid);
  }

  static KernelConfig config(uint32_t uid) {
    KernelConfig c;
    c.uid = c.gid = uid;
    c.hostname = "testhost";
    c.uname_release = "6.1.0-test";
    return c;
  }

  // The handler's result as the guest sees it: value or -errno.
  long call(int nr, SyscallArgs a = {}) { return test_support::invoke_syscall(*task_, static_cast<uint64_t>(nr), a); }

  template <typename T>
  T peek(uint64_t addr) {
    return task_->mem().read(UserPtr<T>{addr}).value();
  }
  template <typename T>
  void poke(uint64_t addr, const T& v) {
    ASSERT_TRUE(task_->mem().write(UserPtr<T>{addr}, v).ok());
  }

  NoHost host_;
  Kernel kernel_;
  pico::fake::FakeProcess* proc_ = nullptr;
  std::unique_ptr<ThreadGroup> tg_;
  std::unique_ptr<Task> task_;
};

class UnprivilegedSyscalls : public MiscSyscalls {
 protected:
  UnprivilegedSyscalls() : MiscSyscalls(1000) {}
};

// syscall numbers
constexpr int kRtSigaction = 13, kRtSigprocmask = 14, kSigaltstack = 131, kRtSigpending = 127;
constexpr int kKill = 62, kTgkill = 234, kTkill = 200;
constexpr int kExitGroup = 231, kExit = 60, kGetpid = 39, kGettid = 186, kGetuid = 102, kGetresuid = 118;
constexpr int kGetgroups = 115, kArchPrctl = 158, kSetTidAddress = 218, kSetRobustList = 273;
constexpr int kGetRobustList = 274, kRseq = 334, kPrlimit64 = 302, kGetrlimit = 97, kSetrlimit = 160;
constexpr int kUmask = 95, kSchedGetaffinity = 204, kGetcpu = 309;
constexpr int kUname = 63, kSethostname = 170, kClockGettime = 228, kClockGetres = 229;
constexpr int kGettimeofday = 96, kTime = 201, kNanosleep = 35, kClockNanosleep = 230, kGetrandom = 318;
constexpr int kGetrusage = 98, kTimes = 100, kSysinfo = 99;

constexpr uint64_t u(long v) { return static_cast<uint64_t>(v); }

// ---- signals ---------------------------------------------------------------

TEST_F(MiscSyscalls, RtSigactionValidatesInLinuxOrder) {
  EXPECT_EQ(call(kRtSigaction, {2, 0, 0, 4}), -EINVAL);             // sigsetsize first
  EXPECT_EQ(call(kRtSigaction, {2, kBad, 0, 8}), -EFAULT);          // then the copy-in
  EXPECT_EQ(call(kRtSigaction, {0, 0, kMem, 8}), -EINVAL);
  EXPECT_EQ(call(kRtSigaction, {65, 0, kMem, 8}), -EINVAL);
  EXPECT_EQ(call(kRtSigaction, {9, kMem, 0, 8}), -EINVAL);          // SIGKILL
  EXPECT_EQ(call(kRtSigaction, {19, kMem, 0, 8}), -EINVAL);         // SIGSTOP
  EXPECT_EQ(call(kRtSigaction, {9, 0, kMem, 8}), 0);                // querying is fine
  EXPECT_EQ(call(kRtSigaction, {2, 0, kBad, 8}), -EFAULT);
}

TEST_F(MiscSyscalls, RtSigactionStoresAndReturnsTheAction) {
  SigAction act{0x401000, 0x04000000 | 0x4 | 0x00100000 /*unknown bit*/, 0x402000, ~0ull};
  poke(kMem, act);
  EXPECT_EQ(call(kRtSigaction, {10, kMem, 0, 8}), 0);
  EXPECT_EQ(call(kRtSigaction, {10, 0, kMem + 64, 8}), 0);
  auto old = peek<SigAction>(kMem + 64);
  EXPECT_EQ(old.handler, 0x401000u);
  EXPECT_EQ(old.flags, 0x04000004u);  // unknown flag bits are dropped
  EXPECT_EQ(old.restorer, 0x402000u);
  EXPECT_EQ(old.mask, ~0ull & ~((1ull << 8) | (1ull << 18)));  // KILL and STOP never blocked
}

TEST_F(MiscSyscalls, RtSigprocmask) {
  poke<uint64_t>(kMem, ~0ull);
  EXPECT_EQ(call(kRtSigprocmask, {0, kMem, 0, 16}), -EINVAL);
  EXPECT_EQ(call(kRtSigprocmask, {7, kMem, 0, 8}), -EINVAL);
  EXPECT_EQ(call(kRtSigprocmask, {7, 0, kMem + 8, 8}), 0);  // how is ignored without a set
  EXPECT_EQ(call(kRtSigprocmask, {0, kMem, kMem + 8, 8}), 0);
  EXPECT_EQ(peek<uint64_t>(kMem + 8), 0u);
  EXPECT_EQ(task_->sigmask, ~0ull & ~((1ull << 8) | (1ull << 18)));
  poke<uint64_t>(kMem, 1ull << 1);
  EXPECT_EQ(call(kRtSigprocmask, {1, kMem, 0, 8}), 0);
  EXPECT_FALSE(task_->sigmask & (1ull << 1));
  EXPECT_EQ(call(kRtSigprocmask, {2, kBad, 0, 8}), -EFAULT);
  EXPECT_EQ(call(kRtSigprocmask, {2, 0, kBad, 8}), -EFAULT);
}

struct StackT {
  uint64_t sp;
  int32_t flags, pad;
  uint64_t size;
};

TEST_F(MiscSyscalls, Sigaltstack) {
  EXPECT_EQ(call(kSigaltstack, {0, kMem}), 0);
  EXPECT_EQ(peek<StackT>(kMem).flags, 2);  // SS_DISABLE initially
  poke(kMem, StackT{0x200000, 0, 0, 1024});
  EXPECT_EQ(call(kSigaltstack, {kMem, 0}), -ENOMEM);
  poke(kMem, StackT{0x200000, 4, 0, 65536});
  EXPECT_EQ(call(kSigaltstack, {kMem, 0}), -EINVAL);
  poke(kMem, StackT{0x200000, 0, 0, 65536});
  EXPECT_EQ(call(kSigaltstack, {kMem, 0}), 0);
  EXPECT_EQ(call(kSigaltstack, {0, kMem + 64}), 0);
  auto old = peek<StackT>(kMem + 64);
  EXPECT_EQ(old.sp, 0x200000u);
  EXPECT_EQ(old.size, 65536u);
  EXPECT_EQ(old.flags, 0);
  task_->regs().rsp = 0x200000 + 100;  // running on it: no changes allowed
  EXPECT_EQ(call(kSigaltstack, {0, kMem + 64}), 0);
  EXPECT_EQ(peek<StackT>(kMem + 64).flags, 1);  // SS_ONSTACK
  EXPECT_EQ(call(kSigaltstack, {kMem, 0}), -EPERM);
  EXPECT_EQ(call(kSigaltstack, {kBad, 0}), -EFAULT);
}

TEST_F(MiscSyscalls, RtSigpendingIsEmpty) {
  poke<uint64_t>(kMem, ~0ull);
  EXPECT_EQ(call(kRtSigpending, {kMem, 16}), -EINVAL);
  EXPECT_EQ(call(kRtSigpending, {kMem, 8}), 0);
  EXPECT_EQ(peek<uint64_t>(kMem), 0u);
  EXPECT_EQ(call(kRtSigpending, {kBad, 8}), -EFAULT);
}

TEST_F(MiscSyscalls, KillFamily) {
  // This fixture's process is not registered with the kernel, so every
  // target is unknown: only argument checks and lookups are exercised here
  // (delivery is covered by the conformance tests).
  EXPECT_EQ(call(kKill, {kPid, 65}), -EINVAL);
  EXPECT_EQ(call(kKill, {kPid + 1, 0}), -ESRCH);
  EXPECT_EQ(call(kKill, {u(-1), 0}), -ESRCH);  // kill(-1) skips the caller
  EXPECT_EQ(call(kTgkill, {0, kPid, 0}), -EINVAL);
  EXPECT_EQ(call(kTgkill, {kPid, kPid + 1, 0}), -ESRCH);
  EXPECT_EQ(call(kTkill, {u(-3), 0}), -EINVAL);
  EXPECT_EQ(call(kTkill, {kPid, 65}), -EINVAL);
}

// ---- process ---------------------------------------------------------------

TEST_F(MiscSyscalls, ExitGroupKeepsTheLowByte) {
  EXPECT_EQ(call(kExitGroup, {0x1ff}), 0);
  EXPECT_TRUE(tg_->exiting);
  EXPECT_EQ(tg_->exit_status, 0xff << 8);
}

TEST_F(MiscSyscalls, ExitEndsOnlyTheThreadButTheLeaderSetsTheStatus) {
  EXPECT_EQ(call(kExit, {3}), 0);
  EXPECT_TRUE(task_->exited);
  EXPECT_FALSE(tg_->exiting);
  EXPECT_EQ(tg_->exit_status, 3 << 8);
}

TEST_F(MiscSyscalls, Identity) {
  EXPECT_EQ(call(kGetpid), kPid);
  EXPECT_EQ(call(kGettid), kPid);
  EXPECT_EQ(call(kGetuid), 0);
  poke<uint32_t>(kMem, 99);
  EXPECT_EQ(call(kGetresuid, {kMem, kMem + 4, kMem + 8}), 0);
  EXPECT_EQ(peek<uint32_t>(kMem), 0u);
  EXPECT_EQ(call(kGetresuid, {kMem, kBad, kMem + 8}), -EFAULT);
  EXPECT_EQ(call(kGetgroups, {0, 0}), 0);
  EXPECT_EQ(call(kGetgroups, {u(-1), 0}), -EINVAL);
}

TEST_F(MiscSyscalls, ArchPrctlFsAndGs) {
  EXPECT_EQ(call(kArchPrctl, {0x1002, 0x7f0000001000}), 0);
  EXPECT_EQ(task_->regs().fs_base, 0x7f0000001000u);
  EXPECT_EQ(call(kArchPrctl, {0x1003, kMem}), 0);
  EXPECT_EQ(peek<uint64_t>(kMem), 0x7f0000001000u);
  EXPECT_EQ(call(kArchPrctl, {0x1001, 0x1234}), 0);
  EXPECT_EQ(task_->regs().gs_base, 0x1234u);
  EXPECT_EQ(call(kArchPrctl, {0x1002, GuestMemory::kUserEnd}), -EPERM);
  EXPECT_EQ(call(kArchPrctl, {0x1002, 0xffff800000000000}), -EPERM);
  EXPECT_EQ(task_->regs().fs_base, 0x7f0000001000u);
  EXPECT_EQ(call(kArchPrctl, {0x1003, kBad}), -EFAULT);
  EXPECT_EQ(call(kArchPrctl, {0x9999, 0}), -EINVAL);
}

TEST_F(MiscSyscalls, ThreadRegistration) {
  EXPECT_EQ(call(kSetTidAddress, {0x5000}), kPid);
  EXPECT_EQ(task_->clear_child_tid, 0x5000u);
  EXPECT_EQ(call(kSetRobustList, {0x6000, 23}), -EINVAL);
  EXPECT_EQ(call(kSetRobustList, {0x6000, 24}), 0);
  EXPECT_EQ(call(kGetRobustList, {0, kMem, kMem + 8}), 0);
  EXPECT_EQ(peek<uint64_t>(kMem), 0x6000u);
  EXPECT_EQ(peek<uint64_t>(kMem + 8), 24u);
  EXPECT_EQ(call(kGetRobustList, {kPid + 5, kMem, kMem + 8}), -ESRCH);
  EXPECT_EQ(call(kRseq, {kMem, 32, 0, 0}), -ENOSYS);
  EXPECT_EQ(SyscallTable::instance().find(kRseq)->support, Support::Stub);
}

struct Rlim {
  uint64_t cur, max;
};

TEST_F(MiscSyscalls, DefaultLimits) {
  EXPECT_EQ(call(kGetrlimit, {3, kMem}), 0);  // RLIMIT_STACK
  EXPECT_EQ(peek<Rlim>(kMem).cur, 8u << 20);
  EXPECT_EQ(peek<Rlim>(kMem).max, kRlimInfinity);
  EXPECT_EQ(call(kGetrlimit, {7, kMem}), 0);  // RLIMIT_NOFILE
  EXPECT_EQ(peek<Rlim>(kMem).cur, 1024u);
  EXPECT_EQ(peek<Rlim>(kMem).max, 1048576u);
  EXPECT_EQ(call(kGetrlimit, {4, kMem}), 0);  // RLIMIT_CORE
  EXPECT_EQ(peek<Rlim>(kMem).cur, 0u);
  EXPECT_EQ(call(kGetrlimit, {16, kMem}), -EINVAL);
  EXPECT_EQ(call(kGetrlimit, {3, kBad}), -EFAULT);
}

TEST_F(MiscSyscalls, Prlimit64Validates) {
  poke(kMem, Rlim{10, 5});
  EXPECT_EQ(call(kPrlimit64, {0, 7, kBad, 0}), -EFAULT);
  EXPECT_EQ(call(kPrlimit64, {kPid + 1, 7, 0, kMem + 16}), -ESRCH);
  EXPECT_EQ(call(kPrlimit64, {0, 16, 0, kMem + 16}), -EINVAL);
  EXPECT_EQ(call(kPrlimit64, {0, 7, kMem, 0}), -EINVAL);  // cur > max
  poke(kMem, Rlim{10, 2000000});
  EXPECT_EQ(call(kPrlimit64, {0, 7, kMem, 0}), -EPERM);  // above fs.nr_open
  poke(kMem, Rlim{256, 4096});
  EXPECT_EQ(call(kPrlimit64, {kPid, 7, kMem, kMem + 16}), 0);
  EXPECT_EQ(peek<Rlim>(kMem + 16).cur, 1024u);  // the old value
  EXPECT_EQ(tg_->fds().max_fds(), 256);
  poke(kMem, Rlim{512, 1u << 20});
  EXPECT_EQ(call(kSetrlimit, {7, kMem}), 0);  // root may raise the hard limit
  EXPECT_EQ(tg_->fds().max_fds(), 512);
  EXPECT_EQ(call(kSetrlimit, {7, kBad}), -EFAULT);
}

TEST_F(UnprivilegedSyscalls, RaisingAHardLimitNeedsPrivilege) {
  poke(kMem, Rlim{64, 128});
  EXPECT_EQ(call(kSetrlimit, {7, kMem}), 0);
  poke(kMem, Rlim{64, 256});
  EXPECT_EQ(call(kSetrlimit, {7, kMem}), -EPERM);
  poke(kMem, 'x');
  EXPECT_EQ(call(kSethostname, {kMem, 1}), -EPERM);
}

TEST_F(MiscSyscalls, Umask) {
  EXPECT_EQ(call(kUmask, {07777}), 022);
  EXPECT_EQ(call(kUmask, {0}), 0777);
}

TEST_F(MiscSyscalls, SchedGetaffinity) {
  EXPECT_EQ(call(kSchedGetaffinity, {0, 7, kMem}), -EINVAL);
  long n = call(kSchedGetaffinity, {0, 64, kMem});
  ASSERT_GT(n, 0);
  EXPECT_EQ(n % 8, 0);
  EXPECT_NE(peek<uint64_t>(kMem), 0u);
  EXPECT_EQ(call(kSchedGetaffinity, {kPid + 1, 64, kMem}), -ESRCH);
  EXPECT_EQ(call(kSchedGetaffinity, {0, 64, kBad}), -EFAULT);
  EXPECT_EQ(call(kGetcpu, {kMem, kMem + 4, 0}), 0);
  EXPECT_EQ(call(kGetcpu, {kBad, 0, 0}), -EFAULT);
}

// ---- system ----------------------------------------------------------------

TEST_F(MiscSyscalls, Uname) {
  EXPECT_EQ(call(kUname, {kMem}), 0);
  char u[6][65];
  ASSERT_TRUE(task_->mem().copy_in(kMem, u, sizeof u).ok());
  EXPECT_STREQ(u[0], "Linux");
  EXPECT_STREQ(u[1], "testhost");
  EXPECT_STREQ(u[2], "6.1.0-test");
  EXPECT_STREQ(u[4], "x86_64");
  EXPECT_STREQ(u[5], "(none)");
  EXPECT_EQ(call(kUname, {kBad}), -EFAULT);
  EXPECT_EQ(call(kUname, {kEnd - 100}), -EFAULT);  // runs off the mapping
}

TEST_F(MiscSyscalls, SethostnameShowsInUname) {
  ASSERT_TRUE(task_->mem().copy_out(kMem, "renamed-host", 12).ok());
  EXPECT_EQ(call(kSethostname, {kMem, 65}), -EINVAL);
  EXPECT_EQ(call(kSethostname, {kMem, u(-1)}), -EINVAL);
  EXPECT_EQ(call(kSethostname, {kBad, 4}), -EFAULT);
  EXPECT_EQ(call(kSethostname, {kMem, 7}), 0);
  EXPECT_EQ(call(kUname, {kMem + 1024}), 0);
  char u[6][65];
  ASSERT_TRUE(task_->mem().copy_in(kMem + 1024, u, sizeof u).ok());
  EXPECT_STREQ(u[1], "renamed");
}

TEST_F(MiscSyscalls, Clocks) {
  struct Ts {
    int64_t sec, nsec;
  };
  EXPECT_EQ(call(kClockGettime, {1, kMem}), 0);
  Ts a = peek<Ts>(kMem);
  EXPECT_GE(a.nsec, 0);
  EXPECT_LT(a.nsec, 1000000000);
  for (uint64_t id : {0, 2, 3, 4, 5, 6, 7, 11}) EXPECT_EQ(call(kClockGettime, {id, kMem}), 0) << id;
  EXPECT_EQ(call(kClockGettime, {10, kMem}), -EINVAL);
  EXPECT_EQ(call(kClockGettime, {12, kMem}), -EINVAL);
  EXPECT_EQ(call(kClockGettime, {u(-1), kMem}), -EINVAL);  // an fd clock
  EXPECT_EQ(call(kClockGettime, {u((~0L << 3) | 2), kMem}), 0);  // own process CPU clock
  EXPECT_EQ(call(kClockGettime, {u((~static_cast<long>(kPid) << 3) | 6), kMem}), 0);  // own thread
  EXPECT_EQ(call(kClockGettime, {u((~static_cast<long>(kPid + 1) << 3) | 2), kMem}), -EINVAL);
  EXPECT_EQ(call(kClockGettime, {1, kBad}), -EFAULT);
  EXPECT_EQ(call(kClockGetres, {1, 0}), 0);
  EXPECT_EQ(call(kClockGetres, {1, kMem}), 0);
  EXPECT_EQ(peek<Ts>(kMem).sec, 0);
  EXPECT_EQ(call(kClockGetres, {10, 0}), -EINVAL);
  EXPECT_EQ(call(kGettimeofday, {0, 0}), 0);
  EXPECT_EQ(call(kGettimeofday, {kMem, kMem + 16}), 0);
  EXPECT_LT(peek<Ts>(kMem).nsec, 1000000);  // microseconds
  EXPECT_EQ(call(kGettimeofday, {kBad, 0}), -EFAULT);
  long now = call(kTime, {kMem});
  EXPECT_GT(now, 1600000000);
  EXPECT_EQ(peek<int64_t>(kMem), now);
  EXPECT_EQ(call(kTime, {kBad}), -EFAULT);
}

TEST_F(MiscSyscalls, Sleeps) {
  struct Ts {
    int64_t sec, nsec;
  };
  poke(kMem, Ts{0, 1000000000});
  EXPECT_EQ(call(kNanosleep, {kMem, 0}), -EINVAL);
  poke(kMem, Ts{-1, 0});
  EXPECT_EQ(call(kNanosleep, {kMem, 0}), -EINVAL);
  EXPECT_EQ(call(kNanosleep, {kBad, 0}), -EFAULT);
  poke(kMem, Ts{0, 1000000});
  EXPECT_EQ(call(kNanosleep, {kMem, 0}), 0);
  EXPECT_EQ(call(kClockNanosleep, {1, 0, kMem, 0}), 0);
  EXPECT_EQ(call(kClockNanosleep, {3, 0, kMem, 0}), -EOPNOTSUPP);  // as 6.x kernels answer for CPU clocks
  EXPECT_EQ(call(kClockNanosleep, {4, 0, kMem, 0}), -EOPNOTSUPP);
  EXPECT_EQ(call(kClockNanosleep, {10, 0, kMem, 0}), -EINVAL);
  poke(kMem, Ts{0, 0});
  EXPECT_EQ(call(kClockNanosleep, {1, 1, kMem, 0}), 0);  // an absolute time long past
}

TEST_F(MiscSyscalls, Getrandom) {
  EXPECT_EQ(call(kGetrandom, {kMem, 16, 8}), -EINVAL);
  EXPECT_EQ(call(kGetrandom, {kMem, 16, 2 | 4}), -EINVAL);
  EXPECT_EQ(call(kGetrandom, {kMem, 0, 0}), 0);
  EXPECT_EQ(call(kGetrandom, {kBad, 16, 0}), -EFAULT);
  EXPECT_EQ(call(kGetrandom, {kMem, 64, 1}), 64);
  uint64_t words[8];
  ASSERT_TRUE(task_->mem().copy_in(kMem, words, sizeof words).ok());
  int nonzero = 0;
  for (uint64_t w : words) nonzero += w != 0;
  EXPECT_GT(nonzero, 4);
  // A buffer running off the mapping returns what fitted.
  EXPECT_EQ(call(kGetrandom, {kEnd - 100, 4096, 4}), 100);
  EXPECT_EQ(call(kGetrandom, {0x7ffffffff000 - 8, 4096, 0}), -EFAULT);
}

TEST_F(MiscSyscalls, UsageAndSysinfo) {
  EXPECT_EQ(call(kGetrusage, {0, kMem}), 0);
  EXPECT_EQ(call(kGetrusage, {u(-1), kMem}), 0);
  EXPECT_EQ(call(kGetrusage, {1, kMem}), 0);
  EXPECT_EQ(call(kGetrusage, {5, kMem}), -EINVAL);
  EXPECT_EQ(call(kGetrusage, {0, kBad}), -EFAULT);
  EXPECT_GT(call(kTimes, {0}), 0);
  EXPECT_EQ(call(kTimes, {kBad}), -EFAULT);
  EXPECT_EQ(call(kSysinfo, {kMem}), 0);
  EXPECT_GT(peek<uint64_t>(kMem + 32), 0u);  // totalram
  EXPECT_EQ(call(kSysinfo, {kBad}), -EFAULT);
}

TEST(SyscallRegistration, EveryEntryHasANoteUnlessFull) {
  for (const auto& e : SyscallTable::instance().entries()) {
    if (!e.handler) continue;
    if (e.support != Support::Full) {
      EXPECT_NE(e.note, nullptr) << e.name;
    }
  }
}

}  // namespace
}  // namespace lx
