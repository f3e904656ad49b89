// Process identity, exit, limits and per-thread registration syscalls.
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Process.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

// Facts about the host machine that the pico interface does not carry yet.
// They are the same for every guest, so the kernel asks the host OS directly.
namespace host {

uint64_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

// nr_cpu_ids: how many CPU numbers the (guest-visible) kernel could report.
unsigned cpu_ids() {
  long n = sysconf(_SC_NPROCESSORS_CONF);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

// The affinity mask exactly as the host kernel's sched_getaffinity returns
// it, so its length is the host's cpumask_size().
std::vector<uint8_t> affinity_mask() {
  std::vector<uint8_t> buf(1024);
  long n = syscall(SYS_sched_getaffinity, 0, buf.size(), buf.data());
  if (n <= 0) {  // cannot happen on Linux; pretend to be a single CPU
    buf.assign(8, 0);
    buf[0] = 1;
    return buf;
  }
  buf.resize(static_cast<size_t>(n));
  return buf;
}

unsigned current_cpu() {
  int c = sched_getcpu();
  return c >= 0 ? static_cast<unsigned>(c) : 0;
}

}  // namespace host

bool privileged(Task& t) { return t.tg().euid == 0; }

Result<long> sys_getpid(Task& t, const SyscallArgs&) { return t.tg().pid(); }
Result<long> sys_getppid(Task& t, const SyscallArgs&) { return t.tg().ppid(); }
Result<long> sys_gettid(Task& t, const SyscallArgs&) { return t.tid(); }
constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;
constexpr int kArchGetCpuid = 0x1011, kArchSetCpuid = 0x1012;

Result<long> sys_arch_prctl(Task& t, const SyscallArgs& a) {
  const int code = arg_int(a[0]);
  const uint64_t addr = a[1];
  switch (code) {
    case kArchSetFs:
    case kArchSetGs:
      // Linux refuses bases at or above TASK_SIZE_MAX with EPERM.
      if (addr >= GuestMemory::kUserEnd) return err(EPERM);
      (code == kArchSetFs ? t.regs().fs_base : t.regs().gs_base) = addr;
      return 0;
    case kArchGetFs:
    case kArchGetGs:
      TRY(t.mem().write(UserPtr<uint64_t>{addr}, code == kArchGetFs ? t.regs().fs_base : t.regs().gs_base));
      return 0;
    case kArchGetCpuid:
      return 1;  // cpuid is always allowed
    case kArchSetCpuid:
      return err(ENODEV);  // we cannot make cpuid fault, as on CPUs without CPUID faulting
    default:
      return err(EINVAL);
  }
}

Result<long> sys_set_tid_address(Task& t, const SyscallArgs& a) {
  t.clear_child_tid = a[0];
  return t.tid();
}

constexpr uint64_t kRobustListHeadSize = 24;  // struct robust_list_head

Result<long> sys_set_robust_list(Task& t, const SyscallArgs& a) {
  if (a[1] != kRobustListHeadSize) return err(EINVAL);
  t.robust_list = a[0];
  return 0;
}

Result<long> sys_get_robust_list(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  Task* target = pid == 0 ? &t : t.kernel().find_task(pid);
  if (!target) return err(ESRCH);
  TRY(t.mem().write(UserPtr<uint64_t>{a[2]}, kRobustListHeadSize));
  TRY(t.mem().write(UserPtr<uint64_t>{a[1]}, target->robust_list));
  return 0;
}

Result<long> sys_rseq(Task&, const SyscallArgs&) { return err(ENOSYS); }

// do_prlimit() of Linux, for the calling thread group.
Result<void> do_prlimit(Task& t, unsigned resource, const Rlimit* next, Rlimit* old) {
  if (resource >= static_cast<unsigned>(kRlimitCount)) return err(EINVAL);
  if (next) {
    if (next->cur > next->max) return err(EINVAL);
    if (resource == kRlimitNofile && next->max > kNrOpen) return err(EPERM);
  }
  Rlimit& cur = t.tg().rlimits[resource];
  if (next && next->max > cur.max && !privileged(t)) return err(EPERM);
  if (old) *old = cur;
  if (next) {
    cur = *next;
    if (resource == kRlimitNofile) t.fds().set_max_fds(static_cast<int>(next->cur));
  }
  return {};
}

Result<long> sys_prlimit64(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  const unsigned resource = static_cast<uint32_t>(a[1]);
  Rlimit next{};
  if (a[2]) next = TRY(t.mem().read(UserPtr<Rlimit>{a[2]}));
  if (pid != 0 && pid != t.tg().pid()) return err(ESRCH);
  Rlimit old{};
  TRY(do_prlimit(t, resource, a[2] ? &next : nullptr, a[3] ? &old : nullptr));
  if (a[3]) TRY(t.mem().write(UserPtr<Rlimit>{a[3]}, old));
  return 0;
}

Result<long> sys_getrlimit(Task& t, const SyscallArgs& a) {
  Rlimit old{};
  TRY(do_prlimit(t, static_cast<uint32_t>(a[0]), nullptr, &old));
  TRY(t.mem().write(UserPtr<Rlimit>{a[1]}, old));
  return 0;
}

Result<long> sys_setrlimit(Task& t, const SyscallArgs& a) {
  Rlimit next = TRY(t.mem().read(UserPtr<Rlimit>{a[1]}));
  TRY(do_prlimit(t, static_cast<uint32_t>(a[0]), &next, nullptr));
  return 0;
}

Result<long> sys_umask(Task& t, const SyscallArgs& a) {
  unsigned old = t.tg().umask;
  t.tg().umask = static_cast<unsigned>(a[0]) & 0777;
  return old;
}

bool is_self(Task& t, int pid) { return pid == 0 || pid == t.tid() || pid == t.tg().pid(); }

Result<long> sys_sched_getaffinity(Task& t, const SyscallArgs& a) {
  const uint64_t len = static_cast<uint32_t>(a[1]);  // unsigned int in Linux
  if (len * 8 < host::cpu_ids()) return err(EINVAL);
  if (len % sizeof(uint64_t) != 0) return err(EINVAL);
  if (!is_self(t, arg_int(a[0]))) return err(ESRCH);
  std::vector<uint8_t> mask = host::affinity_mask();
  uint64_t n = std::min<uint64_t>(len, mask.size());
  TRY(t.mem().copy_out(a[2], mask.data(), n));
  return static_cast<long>(n);
}

Result<long> sys_sched_yield(Task&, const SyscallArgs&) { return 0; }

Result<long> sys_getcpu(Task& t, const SyscallArgs& a) {
  bool fault = false;
  if (a[0]) fault |= !t.mem().write(UserPtr<uint32_t>{a[0]}, host::current_cpu()).ok();
  if (a[1]) fault |= !t.mem().write(UserPtr<uint32_t>{a[1]}, 0u).ok();
  if (fault) return err(EFAULT);
  return 0;
}

}  // namespace

void init_default_rlimits(ThreadGroup& tg) {
  constexpr uint64_t inf = kRlimInfinity;
  // Linux sizes RLIMIT_NPROC/SIGPENDING from RAM: max_threads / 2, where one
  // thread is accounted per 128 KiB (8 * THREAD_SIZE).
  uint64_t nproc = std::clamp<uint64_t>(host::physical_memory() / (256ull * 1024), 20, 0x3fffffff);
  auto& r = tg.rlimits;
  r[kRlimitCpu] = {inf, inf};
  r[kRlimitFsize] = {inf, inf};
  r[kRlimitData] = {inf, inf};
  r[kRlimitStack] = {8ull << 20, inf};
  r[kRlimitCore] = {0, inf};
  r[kRlimitRss] = {inf, inf};
  r[kRlimitNproc] = {nproc, nproc};
  r[kRlimitNofile] = {static_cast<uint64_t>(FdTable::kDefaultMaxFds), kNrOpen};
  r[kRlimitMemlock] = {8ull << 20, 8ull << 20};
  r[kRlimitAs] = {inf, inf};
  r[kRlimitLocks] = {inf, inf};
  r[kRlimitSigpending] = {nproc, nproc};
  r[kRlimitMsgqueue] = {819200, 819200};
  r[kRlimitNice] = {0, 0};
  r[kRlimitRtprio] = {0, 0};
  r[kRlimitRttime] = {inf, inf};
  tg.fds().set_max_fds(FdTable::kDefaultMaxFds);
}

void register_process(SyscallTable& t) {
  using A = Arg;
  t.add(39, "getpid", Support::Full, sys_getpid, {});
  t.add(110, "getppid", Support::Full, sys_getppid, {});
  t.add(186, "gettid", Support::Full, sys_gettid, {});
  t.add(158, "arch_prctl", Support::Partial, sys_arch_prctl, {A::ArchPrctlCode, A::Hex},
        "FS/GS base and GET_CPUID; SET_CPUID is ENODEV, CET/XCOMP/MAP_VDSO codes EINVAL");
  t.add(218, "set_tid_address", Support::Full, sys_set_tid_address, {A::Ptr});
  t.add(273, "set_robust_list", Support::Partial, sys_set_robust_list, {A::Ptr, A::Size},
        "walked at thread exit; no PI futexes");
  t.add(274, "get_robust_list", Support::Full, sys_get_robust_list, {A::Int, A::Ptr, A::Ptr});
  t.add(334, "rseq", Support::Stub, sys_rseq, {A::Ptr, A::UInt, A::Hex, A::Hex},
        "ENOSYS on purpose: glibc falls back to not using restartable sequences");
  t.add(302, "prlimit64", Support::Partial, sys_prlimit64, {A::Int, A::Resource, A::Ptr, A::Ptr},
        "limits are stored; only NOFILE is enforced (fd table size)");
  t.add(97, "getrlimit", Support::Full, sys_getrlimit, {A::Resource, A::Ptr});
  t.add(160, "setrlimit", Support::Partial, sys_setrlimit, {A::Resource, A::Ptr},
        "limits are stored; only NOFILE is enforced (fd table size)");
  t.add(95, "umask", Support::Full, sys_umask, {A::Mode});
  t.add(204, "sched_getaffinity", Support::Partial, sys_sched_getaffinity, {A::Int, A::UInt, A::Ptr},
        "reports the host's mask for the calling thread only");
  t.add(24, "sched_yield", Support::Full, sys_sched_yield, {});
  t.add(309, "getcpu", Support::Partial, sys_getcpu, {A::Ptr, A::Ptr, A::Ptr},
        "the CPU is where the provider runs; node is always 0");
}

}  // namespace lx
