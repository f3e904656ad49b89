// (c) lxcore's transport: RET_TRAP to a SIGSYS handler in the guest process,
// which posts the call to a provider in ANOTHER process through a shared
// memfd page and waits (spin, then futex) for the answer. Here the
// benchmark process is the provider.
#include "common.h"

#include <seccomp.h>
#include <signal.h>
#include <ucontext.h>

#include <optional>

namespace lxbench {
namespace {

SharedPage* g_page = nullptr;  // the guest's mapping (a forked copy per guest)

// Exit codes that tell the benchmark why a guest gave up.
constexpr int kExitProviderGone = 80;
constexpr int kExitSetup = 81;

void handoff_handler(int, siginfo_t* si, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  g_page->nr = si->si_syscall;
  g_page->event = kEvSyscall;
  ring(g_page->to_provider);
  if (!wait_bell(g_page->to_guest, g_guest_seen, g_page->spins, kBatchTimeoutNs))
    _exit(kExitProviderGone);
  uc->uc_mcontext.gregs[REG_RAX] = g_page->value;
}

int handoff_guest(SharedPage* page) {
  g_page = page;
  struct sigaction sa {};
  sa.sa_sigaction = handoff_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, nullptr) != 0) return kExitSetup;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(getppid), 0) != 0 ||
      seccomp_load(ctx) != 0)
    return kExitSetup;
  seccomp_release(ctx);
  page->event = kEvReady;
  ring(page->to_provider);
  guest_command_loop(page);
}

void BM_Handoff(benchmark::State& state) {
  const auto spins = static_cast<uint32_t>(state.range(0));
  std::optional<PinToCurrentCpu> pin;
  if (state.range(1)) pin.emplace();  // the guest inherits the mask at fork

  SharedPage* page = map_shared_page();
  if (!page) {
    fail(state, "cannot map the shared page");
    while (state.KeepRunningBatch(kBatch)) {
    }
    return;
  }
  page->spins = spins;
  {
    GuestChild guest([page] { return handoff_guest(page); });
    uint32_t seen = 0;
    if (!guest.started() || !wait_bell(page->to_provider, seen, spins, kBatchTimeoutNs) ||
        page->event != kEvReady)
      fail(state, "guest setup failed: " + guest.status());

    while (state.KeepRunningBatch(kBatch)) {
      int64_t t0 = now_ns();
      page->count = kBatch;
      page->cmd = kCmdRun;
      ring(page->to_guest);
      std::string error;
      for (;;) {
        if (!wait_bell(page->to_provider, seen, spins, kBatchTimeoutNs)) {
          error = "timed out waiting for the guest: " + guest.status();
          break;
        }
        if (page->event == kEvDone) break;
        if (page->event != kEvSyscall || page->nr != SYS_getppid) {
          error = "unexpected event from the guest";
          break;
        }
        page->value = kFakePpid;
        page->cmd = kCmdReply;
        ring(page->to_guest);
      }
      int64_t t1 = now_ns();
      if (error.empty() && page->bad != 0) error = "guest saw wrong getppid values";
      if (!error.empty()) {
        fail(state, error);
        break;
      }
      state.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
    }
    page->cmd = kCmdExit;
    ring(page->to_guest);
  }  // the guest is killed and reaped here, before its page goes away
  unmap_shared_page(page);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

// spin: pause iterations before sleeping (0 = futex every time);
// samecpu: benchmark and guest pinned to one CPU (spinning there would only
// burn the other side's time slice, so only the futex variant is run).
BENCHMARK(BM_Handoff)
    ->Name("c_TrapHandoff/getppid")
    ->ArgNames({"spin", "samecpu"})
    ->Args({kLxSpinIterations, 0})
    ->Args({0, 0})
    ->Args({0, 1})
    ->UseManualTime();

}  // namespace lxbench
