// (d) seccomp USER_NOTIF through libseccomp's notify API: the guest's
// getppid blocks in the kernel until the supervisor (the benchmark thread,
// another process) answers on the listener fd. (e) the same with
// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, which makes each side wake the other
// on its own CPU (kernel 6.6+).
#include "common.h"

#include <seccomp.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <cstring>
#include <optional>

// Debian 12's uapi headers predate the flag; the values are kernel ABI.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace lxbench {
namespace {

constexpr int kExitSetup = 81;

int notif_guest(SharedPage* page) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(getppid), 0) != 0 ||
      seccomp_load(ctx) != 0)
    return kExitSetup;
  page->notify_fd = seccomp_notify_fd(ctx);
  page->event = kEvReady;
  ring(page->to_provider);
  guest_command_loop(page);
}

// Fetches the guest's listener fd into this process.
int steal_fd(pid_t pid, int fd) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return -1;
  int ours = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
  close(pidfd);
  return ours;
}

void BM_UserNotif(benchmark::State& state) {
  const bool sync_wake = state.range(0) != 0;
  const bool same_cpu = state.range(1) != 0;
  std::optional<PinToCurrentCpu> pin;
  if (same_cpu) pin.emplace();
  // Spinning for the once-per-batch "done" only helps when the guest has a
  // CPU of its own; on a shared CPU it would steal the guest's time.
  const uint32_t spins = same_cpu ? 0 : kLxSpinIterations;

  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  SharedPage* page = map_shared_page();
  if (!page || seccomp_notify_alloc(&req, &resp) != 0) {
    fail(state, "setup failed (shared page or seccomp_notify_alloc)");
    while (state.KeepRunningBatch(kBatch)) {
    }
    if (page) unmap_shared_page(page);
    return;
  }
  page->spins = spins;
  page->notify_fd = -1;
  int listener = -1;
  {
    GuestChild guest([page] { return notif_guest(page); });
    uint32_t seen = 0;
    if (!guest.started() || !wait_bell(page->to_provider, seen, spins, kBatchTimeoutNs) ||
        page->event != kEvReady || page->notify_fd < 0)
      fail(state, "guest setup failed: " + guest.status());
    else if ((listener = steal_fd(guest.pid(), page->notify_fd)) < 0)
      fail(state, "pidfd_getfd of the listener failed");
    else if (sync_wake && ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                                SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) != 0)
      unsupported(state, "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (kernel < 6.6?)");

    Watchdog watchdog;  // the receive ioctl has no timeout of its own
    while (state.KeepRunningBatch(kBatch)) {
      watchdog.arm(kBatchTimeoutNs);
      int64_t t0 = now_ns();
      page->count = kBatch;
      page->cmd = kCmdRun;
      ring(page->to_guest);
      std::string error;
      for (int64_t i = 0; i < kBatch && error.empty(); ++i) {
        // libseccomp 2.5 passes req straight to the kernel, which rejects
        // a request buffer that is not zeroed.
        memset(req, 0, sizeof *req);
        if (seccomp_notify_receive(listener, req) != 0) {
          error = (watchdog.fired() ? "timed out receiving: " : "receive failed: ") + guest.status();
          break;
        }
        if (req->data.nr != SYS_getppid) {
          error = "unexpected syscall notification";
          break;
        }
        resp->id = req->id;
        resp->val = kFakePpid;
        resp->error = 0;
        resp->flags = 0;
        if (seccomp_notify_respond(listener, resp) != 0)
          error = "respond failed: " + guest.status();
      }
      if (error.empty() && !wait_bell(page->to_provider, seen, spins, kBatchTimeoutNs))
        error = "timed out waiting for the guest: " + guest.status();
      int64_t t1 = now_ns();
      watchdog.disarm();
      if (error.empty() && (page->event != kEvDone || page->bad != 0))
        error = "guest saw wrong getppid values";
      if (!error.empty()) {
        fail(state, error);
        break;
      }
      state.SetIterationTime(static_cast<double>(t1 - t0) * 1e-9);
    }
    page->cmd = kCmdExit;
    ring(page->to_guest);
  }
  if (listener >= 0) close(listener);
  seccomp_notify_free(req, resp);
  unmap_shared_page(page);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_UserNotif)
    ->Name("d_UserNotif/getppid")
    ->ArgNames({"syncwake", "samecpu"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->UseManualTime();
BENCHMARK(BM_UserNotif)
    ->Name("e_UserNotifSyncWake/getppid")
    ->ArgNames({"syncwake", "samecpu"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->UseManualTime();

}  // namespace lxbench
