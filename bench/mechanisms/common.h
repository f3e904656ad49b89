// Shared pieces of lx_mechanism_bench: the emulated syscall, the
// spin-then-futex doorbells the cross-process transports use, the guest
// child process and the timeouts that keep a broken mechanism from hanging
// the run.
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <sched.h>
#include <sys/syscall.h>
#include <sys/types.h>

namespace lxbench {

// What every "provider" answers for getppid. Far from any real pid so a
// call that slipped through to the host kernel is caught by the guest check.
inline constexpr long kFakePpid = 0x4c5842;

// A batch that makes no progress for this long is declared broken.
inline constexpr int64_t kBatchTimeoutNs = 10'000'000'000;

// Calls per benchmark iteration for the cross-process mechanisms: large
// enough to amortize the batch command, small enough that the slowest
// mechanism (ptrace, ~100 us) still finishes a batch in tens of ms.
inline constexpr int64_t kBatch = 256;

// Spin budget of the shared-memory handoff, in iterations (lxcore's stub
// spins for LinuxHostOptions::stub_spin_ns, about this long for a getppid).
inline constexpr uint32_t kLxSpinIterations = 20'000;

// The guest's syscall, issued directly: glibc's getppid() is a plain
// syscall today, but the benchmark must not depend on that.
inline long raw_getppid() {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(long{SYS_getppid}) : "rcx", "r11", "memory");
  return ret;
}

int64_t now_ns();

// A mechanism that broke (wrong answer, timeout, dead guest): the run is
// marked failed and lx_mechanism_bench exits non-zero, so the smoke test
// notices. `unsupported` is for what this host cannot do (old kernel, no
// ptrace in a container): reported, but not a failure.
void fail(benchmark::State& state, const std::string& why);
void unsupported(benchmark::State& state, const std::string& why);
bool any_failed();

// One direction of a handoff: the poster bumps seq and wakes the waiter
// only if it announced it is asleep, so the fast path is two cache-line
// transfers and no syscall. Both words sit on their own cache line.
struct alignas(64) Doorbell {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint32_t> waiting{0};
};
static_assert(std::atomic<uint32_t>::is_always_lock_free, "futex words must be plain u32");

void ring(Doorbell& bell);
// Waits until bell.seq moves past `seen` (then updates `seen`), spinning
// `spins` pause iterations before sleeping on the futex. Returns false once
// `timeout_ns` has passed without a ring. Async-signal-safe.
bool wait_bell(Doorbell& bell, uint32_t& seen, uint32_t spins, int64_t timeout_ns);

// Guest <-> benchmark control page, shared across fork through a memfd
// (as lxcore shares its control block with the stub).
enum : uint32_t { kCmdRun = 1, kCmdReply = 2, kCmdExit = 3 };
enum : uint32_t { kEvReady = 1, kEvSyscall = 2, kEvDone = 3 };

struct SharedPage {
  Doorbell to_guest;
  Doorbell to_provider;
  alignas(64) uint32_t cmd;
  uint32_t event;
  uint32_t spins;      // guest-side spin budget
  int32_t notify_fd;   // USER_NOTIF: the listener fd number inside the guest
  int64_t count;       // calls to make for kCmdRun
  int64_t value;       // emulated return value for kCmdReply
  int64_t nr;          // trapped syscall number for kEvSyscall
  int64_t bad;         // guest calls that did not see kFakePpid
};

SharedPage* map_shared_page();
void unmap_shared_page(SharedPage* page);

// Guest side of the batch protocol: waits for kCmdRun, makes `count`
// getppid calls checking each answer, reports kEvDone with the number of
// wrong answers; exits on kCmdExit or when the benchmark goes quiet.
[[noreturn]] void guest_command_loop(SharedPage* page);
// The guest's view of to_guest.seq, shared by the command loop and the
// SIGSYS handler of the handoff guest (both wait on the same doorbell).
inline uint32_t g_guest_seen = 0;
// The guest process: forked from the benchmark, killed with it
// (PR_SET_PDEATHSIG) and killed + reaped when this object goes away.
class GuestChild {
 public:
  explicit GuestChild(const std::function<int()>& body);
  ~GuestChild();
  GuestChild(const GuestChild&) = delete;
  GuestChild& operator=(const GuestChild&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  // "exited with status N" / "killed by signal N" / "still running".
  std::string status();
  // waitpid(__WALL) for a tracer; remembers when the guest is gone so it is
  // never killed by (possibly recycled) pid afterwards. False on EINTR.
  bool wait_event(int& wstatus);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int wstatus_ = 0;
};

// Pins the calling thread (and children forked while it lives) to the CPU
// it is running on; restores the previous mask on destruction.
class PinToCurrentCpu {
 public:
  PinToCurrentCpu();
  ~PinToCurrentCpu();
  PinToCurrentCpu(const PinToCurrentCpu&) = delete;
  PinToCurrentCpu& operator=(const PinToCurrentCpu&) = delete;
  int cpu() const { return cpu_; }

 private:
  cpu_set_t saved_;
  int cpu_ = -1;
};

// A per-thread one-shot alarm that interrupts blocking calls without their
// own timeout (waitpid, SECCOMP_IOCTL_NOTIF_RECV) with EINTR. Armed and
// disarmed outside the timed region.
class Watchdog {
 public:
  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  void arm(int64_t timeout_ns);
  void disarm();
  bool fired() const;

 private:
  void* timer_ = nullptr;
  bool ok_ = false;
};

}  // namespace lxbench
