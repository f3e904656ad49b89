// System identity, time, randomness and resource usage. Clocks, entropy and
// usage figures come from the host OS: they are facts about the machine, not
// about the guest, and the pico interface does not carry them.
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/abi/Linux.h"
#include "kernel/abi/Time.h"
#include "kernel/sched/TimeConv.h"
#include "kernel/sched/Wait.h"
#include "kernel/syscalls/Table.h"
#include "kernel/syscalls/Uts.h"

namespace lx {

namespace {

// ---- uname / sethostname ----------------------------------------------------

constexpr size_t kUtsLen = 65;
struct Utsname {
  char sysname[kUtsLen], nodename[kUtsLen], release[kUtsLen], version[kUtsLen], machine[kUtsLen],
      domainname[kUtsLen];
};
static_assert(sizeof(Utsname) == 6 * kUtsLen);

// The UTS names a guest set with sethostname/setdomainname, per kernel
// instance (KernelConfig is read-only once the kernel runs).
struct UtsOverride {
  std::optional<std::string> hostname, domainname;
};
std::mutex uts_mu;
std::unordered_map<const Kernel*, UtsOverride> uts_overrides;

void fill(char (&field)[kUtsLen], const std::string& s) {
  std::memset(field, 0, kUtsLen);
  std::memcpy(field, s.data(), std::min(s.size(), kUtsLen - 1));
}

Result<long> sys_uname(Task& t, const SyscallArgs& a) {
  const KernelConfig& cfg = t.kernel().config();
  UtsOverride o;
  {
    std::lock_guard lock(uts_mu);
    auto it = uts_overrides.find(&t.kernel());
    if (it != uts_overrides.end()) o = it->second;
  }
  Utsname u;
  fill(u.sysname, "Linux");
  fill(u.nodename, o.hostname.value_or(cfg.hostname));
  fill(u.release, cfg.uname_release);
  fill(u.version, cfg.uname_version);
  fill(u.machine, "x86_64");
  fill(u.domainname, o.domainname.value_or("(none)"));
  TRY(t.mem().write(UserPtr<Utsname>{a[0]}, u));
  return 0;
}

Result<long> set_uts_name(Task& t, const SyscallArgs& a, std::optional<std::string> UtsOverride::*field) {
  if (t.tg().euid != 0) return err(EPERM);
  const int len = arg_int(a[1]);
  if (len < 0 || len > static_cast<int>(kUtsLen - 1)) return err(EINVAL);
  std::string name(static_cast<size_t>(len), '\0');
  TRY(t.mem().copy_in(a[0], name.data(), name.size()));
  std::lock_guard lock(uts_mu);
  uts_overrides[&t.kernel()].*field = std::move(name);
  return 0;
}
}  // namespace

std::string uts_hostname(const Kernel& k) {
  std::lock_guard lock(uts_mu);
  auto it = uts_overrides.find(&k);
  return it != uts_overrides.end() && it->second.hostname ? *it->second.hostname : k.config().hostname;
}

std::string uts_domainname(const Kernel& k) {
  std::lock_guard lock(uts_mu);
  auto it = uts_overrides.find(&k);
  return it != uts_overrides.end() && it->second.domainname ? *it->second.domainname : "(none)";
}

namespace {

Result<long> sys_sethostname(Task& t, const SyscallArgs& a) { return set_uts_name(t, a, &UtsOverride::hostname); }
Result<long> sys_setdomainname(Task& t, const SyscallArgs& a) { return set_uts_name(t, a, &UtsOverride::domainname); }

// ---- sysinfo ----------------------------------------------------------------

struct Sysinfo {  // struct sysinfo, x86-64 kernel layout
  int64_t uptime;
  uint64_t loads[3];
  uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
  uint16_t procs, pad;
  uint64_t totalhigh, freehigh;
  uint32_t mem_unit;
  uint32_t pad2;
};
static_assert(sizeof(Sysinfo) == 112);

Result<long> sys_sysinfo(Task& t, const SyscallArgs& a) {
  struct sysinfo h {};
  TRY(host_result(::sysinfo(&h)));
  Sysinfo s{};
  s.uptime = h.uptime;
  for (int i = 0; i < 3; ++i) s.loads[i] = h.loads[i];
  s.totalram = h.totalram;
  s.freeram = h.freeram;
  s.sharedram = h.sharedram;
  s.bufferram = h.bufferram;
  s.totalswap = h.totalswap;
  s.freeswap = h.freeswap;
  s.procs = h.procs;
  s.totalhigh = h.totalhigh;
  s.freehigh = h.freehigh;
  s.mem_unit = h.mem_unit;
  TRY(t.mem().write(UserPtr<Sysinfo>{a[0]}, s));
  return 0;
}

// ---- clocks -----------------------------------------------------------------

enum GuestClock : int {
  kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2, kClockThreadCputime = 3,
  kClockMonotonicRaw = 4, kClockRealtimeCoarse = 5, kClockMonotonicCoarse = 6, kClockBoottime = 7,
  kClockRealtimeAlarm = 8, kClockBoottimeAlarm = 9, kClockTai = 11,
};

struct ClockRef {
  int guest;         // the static clock id this resolves to (CPU clocks included)
  clockid_t host;
};

// Resolves a guest clock id, including the negative CPU-clock encoding
// ((~pid << 3) | which, bit 2 = per thread) for the caller itself. Other
// processes' CPU clocks and fd-based clocks do not exist here: EINVAL.
Result<ClockRef> resolve_clock(Task& t, int id) {
  switch (id) {
    case kClockRealtime: return ClockRef{id, CLOCK_REALTIME};
    case kClockMonotonic: return ClockRef{id, CLOCK_MONOTONIC};
    case kClockProcessCputime: return ClockRef{id, CLOCK_PROCESS_CPUTIME_ID};
    case kClockThreadCputime: return ClockRef{id, CLOCK_THREAD_CPUTIME_ID};
    case kClockMonotonicRaw: return ClockRef{id, CLOCK_MONOTONIC_RAW};
    case kClockRealtimeCoarse: return ClockRef{id, CLOCK_REALTIME_COARSE};
    case kClockMonotonicCoarse: return ClockRef{id, CLOCK_MONOTONIC_COARSE};
    case kClockBoottime: return ClockRef{id, CLOCK_BOOTTIME};
    case kClockRealtimeAlarm: return ClockRef{id, CLOCK_REALTIME_ALARM};
    case kClockBoottimeAlarm: return ClockRef{id, CLOCK_BOOTTIME_ALARM};
    case kClockTai: return ClockRef{id, CLOCK_TAI};
    default: break;
  }
  if (id >= 0) return err(EINVAL);
  const int which = id & 3;
  const bool per_thread = id & 4;
  if (which == 3) return err(EINVAL);  // CLOCKFD: no posix clock devices
  const int pid = ~(id >> 3);
  if (per_thread) {
    if (pid != 0 && pid != t.tid()) return err(EINVAL);
    return ClockRef{kClockThreadCputime, CLOCK_THREAD_CPUTIME_ID};
  }
  if (pid != 0 && pid != t.tg().pid()) return err(EINVAL);
  return ClockRef{kClockProcessCputime, CLOCK_PROCESS_CPUTIME_ID};
}

abi::Timespec to_abi(const timespec& ts) { return {ts.tv_sec, ts.tv_nsec}; }

Result<long> sys_clock_gettime(Task& t, const SyscallArgs& a) {
  ClockRef c = TRY(resolve_clock(t, arg_int(a[0])));
  timespec ts{};
  TRY(host_result(::clock_gettime(c.host, &ts)));
  TRY(t.mem().write(UserPtr<abi::Timespec>{a[1]}, to_abi(ts)));
  return 0;
}

Result<long> sys_clock_getres(Task& t, const SyscallArgs& a) {
  ClockRef c = TRY(resolve_clock(t, arg_int(a[0])));
  timespec ts{};
  TRY(host_result(::clock_getres(c.host, &ts)));
  if (a[1]) TRY(t.mem().write(UserPtr<abi::Timespec>{a[1]}, to_abi(ts)));
  return 0;
}

Result<long> sys_gettimeofday(Task& t, const SyscallArgs& a) {
  if (a[0]) {
    timespec ts{};
    TRY(host_result(::clock_gettime(CLOCK_REALTIME, &ts)));
    const int64_t tv[2] = {ts.tv_sec, ts.tv_nsec / 1000};
    TRY(t.mem().copy_out(a[0], tv, sizeof tv));
  }
  if (a[1]) {
    const int32_t tz[2] = {0, 0};  // sys_tz: UTC, no DST, as a kernel nobody set it on
    TRY(t.mem().copy_out(a[1], tz, sizeof tz));
  }
  return 0;
}

Result<long> sys_time(Task& t, const SyscallArgs& a) {
  timespec ts{};
  TRY(host_result(::clock_gettime(CLOCK_REALTIME, &ts)));
  const int64_t now = ts.tv_sec;
  if (a[0]) TRY(t.mem().write(UserPtr<int64_t>{a[0]}, now));
  return now;
}

// Sleeps until `until` unless a signal comes first; nothing is held on the
// host while asleep (wait_event releases the big lock).
//
// Interrupted, Linux gives a relative sleep ERESTART_RESTARTBLOCK after
// storing the time left in *rem (EINTR if a handler runs, else the sleep
// continues), and an absolute one ERESTARTNOHAND (it simply runs again).
// Our restart re-executes the call with its original arguments, so a
// relative sleep resumed without a handler (SIGSTOP/SIGCONT) starts over.
Result<long> sleep_until(Task& t, SteadyClock::time_point until, bool absolute, uint64_t rem_addr) {
  Result<void> r = wait_event(t, {}, [] { return false; }, Deadline{until});
  if (r.ok() || r.error() == ETIMEDOUT) return 0;
  if (r.error() != kErestartsys) return err(r.error());
  if (absolute) return err(kErestartnohand);
  const Nanos left = remaining(until);
  if (left == Nanos::zero()) return 0;  // the signal came with the deadline: the sleep is done
  if (rem_addr) TRY(t.mem().write(UserPtr<abi::Timespec>{rem_addr}, to_timespec(left)));
  return err(kErestartRestartblock);
}

Result<long> sys_nanosleep(Task& t, const SyscallArgs& a) {
  abi::Timespec req = TRY(t.mem().read(UserPtr<abi::Timespec>{a[0]}));
  if (!timespec_valid(req)) return err(EINVAL);
  return sleep_until(t, steady_after(to_nanos(req)), false, a[1]);
}

Result<long> sys_clock_nanosleep(Task& t, const SyscallArgs& a) {
  ClockRef c = TRY(resolve_clock(t, arg_int(a[0])));
  const bool absolute = arg_int(a[1]) & abi::kTimerAbstime;
  switch (c.guest) {
    case kClockRealtime: case kClockMonotonic: case kClockBoottime: case kClockTai:
    case kClockRealtimeAlarm: case kClockBoottimeAlarm:
      break;
    default:
      // Linux has no nsleep for the raw/coarse clocks or the static thread
      // CPU clock; CPU-time sleeps are not supported here at all (table note).
      return err(EOPNOTSUPP);
  }
  abi::Timespec req = TRY(t.mem().read(UserPtr<abi::Timespec>{a[2]}));
  if (!timespec_valid(req)) return err(EINVAL);
  if (!absolute) return sleep_until(t, steady_after(to_nanos(req)), false, a[3]);
  // Alarm clocks only differ in waking a suspended machine.
  clockid_t host = c.guest == kClockRealtimeAlarm ? CLOCK_REALTIME
                   : c.guest == kClockBoottimeAlarm ? CLOCK_BOOTTIME : c.host;
  return sleep_until(t, steady_at(host, to_nanos(req)), true, 0);
}

// ---- getrandom --------------------------------------------------------------

constexpr unsigned kGrndNonblock = 1, kGrndRandom = 2, kGrndInsecure = 4;

Result<long> sys_getrandom(Task& t, const SyscallArgs& a) {
  const unsigned flags = static_cast<uint32_t>(a[2]);
  if (flags & ~(kGrndNonblock | kGrndRandom | kGrndInsecure)) return err(EINVAL);
  if ((flags & (kGrndRandom | kGrndInsecure)) == (kGrndRandom | kGrndInsecure)) return err(EINVAL);
  const uint64_t addr = a[0];
  const uint64_t len = std::min<uint64_t>(a[1], abi::kMaxRwCount);
  uint64_t end = 0;
  if (__builtin_add_overflow(addr, len, &end) || end > GuestMemory::kUserEnd) return err(EFAULT);
  // Page-sized pieces so a buffer running into unmapped memory yields the
  // bytes before it, as Linux's chunked copy does.
  uint64_t done = 0;
  uint8_t buf[4096];
  while (done < len) {
    const uint64_t cur = addr + done;
    const uint64_t n = std::min<uint64_t>(len - done, 4096 - (cur & 4095));
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::getrandom(buf + got, n - got, 0);
      if (r < 0 && errno != EINTR) return err(EIO);
      if (r > 0) got += static_cast<size_t>(r);
    }
    if (!t.mem().copy_out(cur, buf, n).ok()) {
      if (done == 0) return err(EFAULT);
      break;
    }
    done += n;
  }
  return static_cast<long>(done);
}

// ---- getrusage / times ------------------------------------------------------

struct Rusage {  // struct rusage, x86-64
  int64_t utime_sec, utime_usec, stime_sec, stime_usec;
  int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv,
      nsignals, nvcsw, nivcsw;
};
static_assert(sizeof(Rusage) == 144);

constexpr int kRusageSelf = 0, kRusageChildren = -1, kRusageThread = 1;

Result<long> sys_getrusage(Task& t, const SyscallArgs& a) {
  const int who = arg_int(a[0]);
  int host_who = 0;
  switch (who) {
    case kRusageSelf: host_who = RUSAGE_SELF; break;
    case kRusageChildren: host_who = RUSAGE_CHILDREN; break;
    case kRusageThread: host_who = RUSAGE_THREAD; break;
    default: return err(EINVAL);
  }
  rusage h{};
  TRY(host_result(::getrusage(host_who, &h)));
  Rusage r{h.ru_utime.tv_sec, h.ru_utime.tv_usec, h.ru_stime.tv_sec, h.ru_stime.tv_usec,
           h.ru_maxrss, h.ru_ixrss, h.ru_idrss, h.ru_isrss, h.ru_minflt, h.ru_majflt,
           h.ru_nswap, h.ru_inblock, h.ru_oublock, h.ru_msgsnd, h.ru_msgrcv,
           h.ru_nsignals, h.ru_nvcsw, h.ru_nivcsw};
  TRY(t.mem().write(UserPtr<Rusage>{a[1]}, r));
  return 0;
}

constexpr int64_t kUserHz = 100;  // USER_HZ: the guest ABI's clock_t unit

Result<long> sys_times(Task& t, const SyscallArgs& a) {
  tms h{};
  clock_t now = ::times(&h);
  if (now == static_cast<clock_t>(-1)) return err(errno);
  long hz = sysconf(_SC_CLK_TCK);
  auto conv = [hz](clock_t v) { return hz > 0 ? static_cast<int64_t>(v) * kUserHz / hz : static_cast<int64_t>(v); };
  if (a[0]) {
    const int64_t buf[4] = {conv(h.tms_utime), conv(h.tms_stime), conv(h.tms_cutime), conv(h.tms_cstime)};
    TRY(t.mem().copy_out(a[0], buf, sizeof buf));
  }
  return static_cast<long>(conv(now));
}

}  // namespace

void register_system(SyscallTable& t) {
  using A = Arg;
  constexpr const char* kProviderUsage = "reports the provider process's usage, not the guest's";
  t.add(63, "uname", Support::Full, sys_uname, {A::Ptr});
  t.add(170, "sethostname", Support::Full, sys_sethostname, {A::InBuf, A::Int});
  t.add(171, "setdomainname", Support::Full, sys_setdomainname, {A::InBuf, A::Int});
  t.add(99, "sysinfo", Support::Partial, sys_sysinfo, {A::Ptr}, "host figures: procs counts host processes");
  t.add(228, "clock_gettime", Support::Partial, sys_clock_gettime, {A::ClockId, A::Ptr},
        "CPU-time clocks measure the provider; other processes' and fd clocks are EINVAL");
  t.add(229, "clock_getres", Support::Partial, sys_clock_getres, {A::ClockId, A::Ptr},
        "other processes' and fd clocks are EINVAL");
  t.add(96, "gettimeofday", Support::Full, sys_gettimeofday, {A::Ptr, A::Ptr});
  t.add(201, "time", Support::Full, sys_time, {A::Ptr});
  t.add(35, "nanosleep", Support::Partial, sys_nanosleep, {A::Ptr, A::Ptr},
        "a restart without handler (SIGSTOP/SIGCONT) sleeps the full time again");
  t.add(230, "clock_nanosleep", Support::Partial, sys_clock_nanosleep, {A::ClockId, A::Int, A::Ptr, A::Ptr},
        "CPU-time clocks are EOPNOTSUPP; a relative sleep restarted without handler sleeps the full time "
        "again; absolute CLOCK_REALTIME sleeps do not follow clock changes");
  t.add(318, "getrandom", Support::Full, sys_getrandom, {A::OutBuf, A::Size, A::RandomFlags});
  t.add(98, "getrusage", Support::Partial, sys_getrusage, {A::Int, A::Ptr}, kProviderUsage);
  t.add(100, "times", Support::Partial, sys_times, {A::Ptr}, kProviderUsage);
}

}  // namespace lx
