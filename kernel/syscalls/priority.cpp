// getpriority/setpriority: the nice value (-20..19) of processes, process
// groups and users of the instance. The value is recorded and inherited by
// fork; it does not change how the host schedules the guest's threads
// (they all run as the provider's host user at its own priority).
//
// Nice values are kept in a table of their own rather than in ThreadGroup:
// only processes whose value is not 0 have an entry. An entry names its
// group by address, pid and creation time, so a later process at a reused
// address or pid never sees a stale value; entries of processes that are
// gone are dropped whenever the table changes.
#include "kernel/syscalls/Priority.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Process.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

constexpr int kPrioProcess = 0, kPrioPgrp = 1, kPrioUser = 2;
constexpr int kMinNice = -20, kMaxNice = 19;

struct NiceEntry {
  Kernel* kernel;
  int pid;
  uint64_t start_time_ns;
  int nice;
};

// Guarded by its own leaf lock: callers hold their instance's big lock, but
// a process may host several instances (unit tests).
std::mutex g_nice_mu;
std::map<const ThreadGroup*, NiceEntry> g_nice;

bool is_live(const ThreadGroup& g, const NiceEntry& e) {
  return e.kernel->find_group(e.pid) == &g && e.start_time_ns == g.start_time_ns;
}

int nice_of(ThreadGroup& g) {
  std::lock_guard lock(g_nice_mu);
  auto it = g_nice.find(&g);
  return it != g_nice.end() && is_live(g, it->second) ? it->second.nice : 0;
}

void set_nice(ThreadGroup& g, int nice) {
  std::lock_guard lock(g_nice_mu);
  // Entries of this instance whose process was reaped (the address may
  // already hold another group: compare pid and creation time).
  std::erase_if(g_nice, [&](const auto& kv) {
    const NiceEntry& e = kv.second;
    if (e.kernel != &g.kernel()) return false;
    ThreadGroup* live = e.kernel->find_group(e.pid);
    return live != kv.first || live->start_time_ns != e.start_time_ns;
  });
  if (nice == 0) {
    g_nice.erase(&g);
  } else {
    g_nice[&g] = NiceEntry{&g.kernel(), g.pid(), g.start_time_ns, nice};
  }
}

Result<std::vector<ThreadGroup*>> targets(Task& t, int which, int who) {
  if (which < kPrioProcess || which > kPrioUser) return err(EINVAL);
  Kernel& k = t.kernel();
  std::vector<ThreadGroup*> out;
  if (which == kPrioProcess) {
    if (who == 0) {
      out.push_back(&t.tg());
    } else if (ThreadGroup* g = k.find_group(who)) {
      out.push_back(g);
    } else if (Task* task = k.find_task(who)) {
      out.push_back(&task->tg());
    }
    return out;
  }
  const auto id = static_cast<uint32_t>(who);
  const int pgid = who == 0 ? t.tg().pgid : who;
  const uint32_t uid = who == 0 ? t.tg().uid : id;
  for (const auto& [pid, g] : k.groups()) {
    if (which == kPrioPgrp ? g->pgid == pgid : g->uid == uid) out.push_back(g.get());
  }
  return out;
}

// nice_to_rlimit(): 19..-20 as 1..40, what the raw syscall returns and
// RLIMIT_NICE is measured in.
long nice_to_rlimit(int nice) { return kMaxNice - nice + 1; }

Result<long> sys_getpriority(Task& t, const SyscallArgs& a) {
  const std::vector<ThreadGroup*> gs = TRY(targets(t, arg_int(a[0]), arg_int(a[1])));
  if (gs.empty()) return err(ESRCH);
  long best = 0;
  for (ThreadGroup* g : gs) best = std::max(best, nice_to_rlimit(nice_of(*g)));
  return best;
}

Result<long> sys_setpriority(Task& t, const SyscallArgs& a) {
  const std::vector<ThreadGroup*> gs = TRY(targets(t, arg_int(a[0]), arg_int(a[1])));
  const int nice = std::clamp(arg_int(a[2]), kMinNice, kMaxNice);
  const ThreadGroup& me = t.tg();
  const bool cap_sys_nice = me.euid == 0;
  // Linux reports the outcome for the last process it tried.
  int error = ESRCH;
  for (ThreadGroup* g : gs) {
    if (g->uid != me.euid && g->euid != me.euid && !cap_sys_nice) {
      error = EPERM;
    } else if (nice < nice_of(*g) && !cap_sys_nice &&
               static_cast<uint64_t>(nice_to_rlimit(nice)) > g->rlimits[kRlimitNice].cur) {
      error = EACCES;  // can_nice(): raising priority needs RLIMIT_NICE or CAP_SYS_NICE
    } else {
      set_nice(*g, nice);
      error = 0;
    }
  }
  if (error != 0) return err(error);
  return 0;
}

}  // namespace

void inherit_nice(ThreadGroup& parent, ThreadGroup& child) {
  const int nice = nice_of(parent);
  if (nice != 0) set_nice(child, nice);
}

void register_priority(SyscallTable& t) {
  using A = Arg;
  t.add(140, "getpriority", Support::Partial, sys_getpriority, {A::Int, A::Int},
        "per process rather than per thread; the host scheduler does not see the value");
  t.add(141, "setpriority", Support::Partial, sys_setpriority, {A::Int, A::Int, A::Int},
        "per process rather than per thread; the host scheduler does not see the value");
}

}  // namespace lx
