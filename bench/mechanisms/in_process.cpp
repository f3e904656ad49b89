// (a) native getppid, the floor; (b) seccomp RET_TRAP to a SIGSYS handler in
// the same process that emulates the call: the cost of the trap itself,
// with no handoff to anybody.
#include "common.h"

#include <seccomp.h>
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace lxbench {
namespace {

void BM_Native(benchmark::State& state) {
  pid_t real = getppid();
  for (auto _ : state) {
    if (raw_getppid() != real) {
      fail(state, "getppid changed under us");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void emulate_in_handler(int, siginfo_t* si, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  uc->uc_mcontext.gregs[REG_RAX] = si->si_syscall == SYS_getppid ? kFakePpid : -ENOSYS;
}

// The filter is installed on a throwaway thread (no TSYNC), because seccomp
// filters can never be removed: on the benchmark thread it would trap every
// later benchmark's getppid and be inherited by every later guest child.
// The State loop runs on that thread; Google Benchmark reads the CPU clock
// of whichever thread runs the loop, so the figures stay consistent.
void BM_TrapInProcess(benchmark::State& state) {
  struct sigaction sa {};
  sa.sa_sigaction = emulate_in_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  struct sigaction old {};
  sigaction(SIGSYS, &sa, &old);

  std::thread worker([&state] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int rc = ctx ? seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(getppid), 0) : -ENOMEM;
    if (rc == 0) rc = seccomp_load(ctx);
    if (ctx) seccomp_release(ctx);
    if (rc != 0) {
      fail(state, "seccomp_load: " + std::to_string(rc));
      for (auto _ : state) {
      }
      return;
    }
    for (auto _ : state) {
      if (raw_getppid() != kFakePpid) {
        fail(state, "trapped getppid returned the wrong value");
        break;
      }
    }
  });
  worker.join();
  sigaction(SIGSYS, &old, nullptr);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_Native)->Name("a_Native/getppid")->UseRealTime();
BENCHMARK(BM_TrapInProcess)->Name("b_TrapInProcess/getppid")->UseRealTime();

}  // namespace lxbench
