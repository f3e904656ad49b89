// (f) ptrace PTRACE_SYSEMU: every guest syscall stops the guest; the tracer
// (the benchmark thread) reads the registers, writes the result into rax
// and resumes with the syscall skipped. The way PRoot and gVisor's ptrace
// platform work, unpinned and with tracer and guest on one CPU.
#include "common.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

namespace lxbench {
namespace {

constexpr int kExitBadValue = 82;
constexpr int kExitNoPtrace = 83;

// No command channel: each syscall stop already is the tracer's turn, so
// the guest simply calls getppid forever and leaves if an answer is wrong.
int ptrace_guest() {
  if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) return kExitNoPtrace;
  raise(SIGSTOP);
  for (;;)
    if (raw_getppid() != kFakePpid) _exit(kExitBadValue);
}

void BM_Ptrace(benchmark::State& state) {
  std::optional<PinToCurrentCpu> pin;
  if (state.range(0)) pin.emplace();  // the guest inherits the mask at fork

  GuestChild guest(ptrace_guest);
  Watchdog watchdog;
  int status = 0;
  watchdog.arm(kBatchTimeoutNs);
  if (!guest.started() || !guest.wait_event(status) || !WIFSTOPPED(status) ||
      WSTOPSIG(status) != SIGSTOP ||
      ptrace(PTRACE_SETOPTIONS, guest.pid(), nullptr,
             PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) != 0 ||
      ptrace(PTRACE_SYSEMU, guest.pid(), nullptr, nullptr) != 0) {
    std::string why = guest.status();
    if (why == "guest exited with status " + std::to_string(kExitNoPtrace))
      unsupported(state, "ptrace not permitted here (container without CAP_SYS_PTRACE?)");
    else
      fail(state, "tracing the guest failed: " + why);
  }
  watchdog.disarm();

  while (state.KeepRunningBatch(kBatch)) {
    watchdog.arm(kBatchTimeoutNs);
    int64_t t0 = now_ns();
    std::string error;
    for (int64_t i = 0; i < kBatch; ++i) {
      // Fails when the armed watchdog interrupts the wait (EINTR).
      if (!guest.wait_event(status)) {
        error = "timed out waiting for a syscall stop";
        break;
      }
      if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
        error = "unexpected guest state: " + guest.status();
        break;
      }
      // A real emulator needs the arguments, so fetch and store the whole
      // register file rather than peeking at two words.
      user_regs_struct regs;
      ptrace(PTRACE_GETREGS, guest.pid(), nullptr, &regs);
      if (regs.orig_rax != SYS_getppid) {
        error = regs.orig_rax == SYS_exit_group ? "guest saw a wrong getppid value"
                                                : "unexpected guest syscall";
        break;
      }
      regs.rax = static_cast<unsigned long long>(kFakePpid);
      ptrace(PTRACE_SETREGS, guest.pid(), nullptr, &regs);
      ptrace(PTRACE_SYSEMU, guest.pid(), nullptr, nullptr);
    }
    int64_t t1 = now_ns();
    watchdog.disarm();
    if (!error.empty()) {
      fail(state, error);
      break;
    }
    state.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
  }
  state.SetItemsProcessed(state.iterations());
}  // ~GuestChild kills the tracee (EXITKILL would too) and reaps it

}  // namespace

BENCHMARK(BM_Ptrace)
    ->Name("f_PtraceSysemu/getppid")
    ->ArgName("samecpu")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime();

}  // namespace lxbench
