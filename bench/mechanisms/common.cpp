#include "common.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lxbench {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

static bool g_failed = false;

void fail(benchmark::State& state, const std::string& why) {
  g_failed = true;
  state.SkipWithError(why.c_str());
}

void unsupported(benchmark::State& state, const std::string& why) {
  state.SkipWithError(("unsupported: " + why).c_str());
}

bool any_failed() { return g_failed; }

// Shared (not FUTEX_PRIVATE) futex ops: the two sides are different processes.
static long futex(std::atomic<uint32_t>* word, int op, uint32_t val, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, timeout, nullptr, 0);
}

void ring(Doorbell& bell) {
  // seq_cst on both words on both sides (Dekker): either the waiter sees the
  // new seq before sleeping or we see its waiting flag and wake it.
  bell.seq.fetch_add(1, std::memory_order_seq_cst);
  if (bell.waiting.load(std::memory_order_seq_cst))
    futex(&bell.seq, FUTEX_WAKE, 1, nullptr);
}

bool wait_bell(Doorbell& bell, uint32_t& seen, uint32_t spins, int64_t timeout_ns) {
  for (uint32_t i = 0; i < spins; ++i) {
    uint32_t now = bell.seq.load(std::memory_order_acquire);
    if (now != seen) {
      seen = now;
      return true;
    }
    __builtin_ia32_pause();
  }
  int saved_errno = errno;  // may run inside a signal handler
  int64_t deadline = now_ns() + timeout_ns;
  bool ok = true;
  bell.waiting.store(1, std::memory_order_seq_cst);
  for (;;) {
    uint32_t now = bell.seq.load(std::memory_order_seq_cst);
    if (now != seen) {
      seen = now;
      break;
    }
    int64_t left = deadline - now_ns();
    if (left <= 0) {
      ok = false;
      break;
    }
    timespec ts{static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    futex(&bell.seq, FUTEX_WAIT, seen, &ts);  // EAGAIN/EINTR/ETIMEDOUT: recheck
  }
  bell.waiting.store(0, std::memory_order_relaxed);
  errno = saved_errno;
  return ok;
}

SharedPage* map_shared_page() {
  int fd = memfd_create("lx-bench-ctl", MFD_CLOEXEC);
  if (fd < 0) return nullptr;
  void* p = MAP_FAILED;
  if (ftruncate(fd, 4096) == 0)
    p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);  // the mapping keeps the memfd alive
  if (p == MAP_FAILED) return nullptr;
  return new (p) SharedPage{};
}

void unmap_shared_page(SharedPage* page) {
  if (page) munmap(page, 4096);
}

// The benchmark process sits idle between benchmarks only briefly; a guest
// that hears nothing for this long assumes it was forgotten and leaves.
static constexpr int64_t kGuestIdleTimeoutNs = 60'000'000'000;

void guest_command_loop(SharedPage* page) {
  for (;;) {
    if (!wait_bell(page->to_guest, g_guest_seen, page->spins, kGuestIdleTimeoutNs)) _exit(90);
    if (page->cmd == kCmdExit) _exit(0);
    if (page->cmd != kCmdRun) _exit(91);
    int64_t bad = 0;
    for (int64_t i = 0, n = page->count; i < n; ++i)
      if (raw_getppid() != kFakePpid) ++bad;
    page->bad = bad;
    page->event = kEvDone;
    ring(page->to_provider);
  }
}

GuestChild::GuestChild(const std::function<int()>& body) {
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    // Never outlive the benchmark, even if it is killed before teardown.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(98);
    _exit(body());
  }
}

GuestChild::~GuestChild() {
  if (pid_ <= 0 || reaped_) return;
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &wstatus_, __WALL) < 0 && errno == EINTR) {
  }
}

std::string GuestChild::status() {
  if (pid_ <= 0) return "fork failed";
  if (!reaped_) {
    // WEXITED only: must not consume a ptrace stop meant for the tracer.
    siginfo_t info{};
    if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | __WALL) == 0 && info.si_pid == pid_) {
      reaped_ = true;
      wstatus_ = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0) : info.si_status;
    }
  }
  if (!reaped_) return "guest still running";
  char buf[64];
  if (WIFEXITED(wstatus_))
    snprintf(buf, sizeof buf, "guest exited with status %d", WEXITSTATUS(wstatus_));
  else
    snprintf(buf, sizeof buf, "guest killed by signal %d", WTERMSIG(wstatus_));
  return buf;
}

bool GuestChild::wait_event(int& wstatus) {
  if (pid_ <= 0 || reaped_) return false;
  if (waitpid(pid_, &wstatus, __WALL) != pid_) return false;
  if (WIFEXITED(wstatus) || WIFSIGNALED(wstatus)) {
    reaped_ = true;
    wstatus_ = wstatus;
  }
  return true;
}

PinToCurrentCpu::PinToCurrentCpu() {
  CPU_ZERO(&saved_);
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
  cpu_ = sched_getcpu();
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu_, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0) cpu_ = -1;
}

PinToCurrentCpu::~PinToCurrentCpu() {
  if (cpu_ >= 0) sched_setaffinity(0, sizeof saved_, &saved_);
}

static void watchdog_signal(int) {}  // its only job is the EINTR

Watchdog::Watchdog() {
  struct sigaction sa {};
  sa.sa_handler = watchdog_signal;  // no SA_RESTART: blocked calls must fail
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGALRM;
  sev._sigev_un._tid = gettid();
  timer_t t;
  if (timer_create(CLOCK_MONOTONIC, &sev, &t) == 0) {
    timer_ = t;
    ok_ = true;
  }
}

Watchdog::~Watchdog() {
  if (ok_) timer_delete(static_cast<timer_t>(timer_));
}

void Watchdog::arm(int64_t timeout_ns) {
  if (!ok_) return;
  itimerspec its{};
  its.it_value.tv_sec = timeout_ns / 1'000'000'000;
  its.it_value.tv_nsec = timeout_ns % 1'000'000'000;
  timer_settime(static_cast<timer_t>(timer_), 0, &its, nullptr);
}

void Watchdog::disarm() {
  if (!ok_) return;
  itimerspec its{};
  timer_settime(static_cast<timer_t>(timer_), 0, &its, nullptr);
}

bool Watchdog::fired() const {
  if (!ok_) return false;
  itimerspec its{};
  timer_gettime(static_cast<timer_t>(timer_), &its);
  // A one-shot timer that has expired reads as disarmed (all zero).
  return its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0;
}

}  // namespace lxbench
