// prctl(2): the per-process and per-thread attributes programs commonly read
// or set. Options that need machinery we don't have yet return EINVAL, as
// Linux does for options it doesn't know.
#include <cstring>

#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

constexpr int kSetPdeathsig = 1, kGetPdeathsig = 2, kGetDumpable = 3, kSetDumpable = 4, kSetName = 15,
              kGetName = 16, kGetSeccomp = 21, kCapbsetRead = 23, kGetSecurebits = 27, kSetChildSubreaper = 36,
              kGetChildSubreaper = 37, kSetNoNewPrivs = 38, kGetNoNewPrivs = 39, kCapAmbient = 47;
constexpr int kCapLastCap = 40;
constexpr uint64_t kAmbientIsSet = 1, kAmbientRaise = 2, kAmbientLower = 3, kAmbientClearAll = 4;

// PR_CAP_AMBIENT (commoncap's order of checks). The ambient set is always
// empty: raising needs the capability in the inheritable set, which is
// empty too (capset does not remember one), so RAISE is EPERM as on Linux
// for a process without inheritable capabilities.
Result<long> cap_ambient(const SyscallArgs& a) {
  if (a[1] == kAmbientClearAll) {
    if (a[2] | a[3] | a[4]) return err(EINVAL);
    return 0;
  }
  if (a[2] > kCapLastCap || a[3] || a[4]) return err(EINVAL);
  if (a[1] == kAmbientIsSet || a[1] == kAmbientLower) return 0;
  if (a[1] == kAmbientRaise) return err(EPERM);
  return err(EINVAL);
}

Result<long> sys_prctl(Task& t, const SyscallArgs& a) {
  const int option = static_cast<int>(a[0]);
  switch (option) {
    case kSetName: {
      // Names longer than 15 bytes are silently truncated.
      char name[16] = {};
      size_t got = t.mem().process().read_memory_partial(a[1], name, 15);
      if (got == 0) return err(EFAULT);
      TRY(t.mem().check_range(a[1], 1));
      name[std::min<size_t>(got, 15)] = 0;
      t.comm = std::string(name, strnlen(name, 15));
      return 0;
    }
    case kGetName: {
      char name[16] = {};
      t.comm.copy(name, 15);  // name[15] stays NUL
      TRY(t.mem().copy_out(a[1], name, sizeof name));
      return 0;
    }
    case kSetPdeathsig:
      if (a[1] > 64) return err(EINVAL);
      t.pdeath_signal = static_cast<int>(a[1]);
      return 0;
    case kGetPdeathsig:
      TRY(t.mem().write(UserPtr<int32_t>{a[1]}, t.pdeath_signal));
      return 0;
    case kGetDumpable:
      return t.tg().dumpable;
    case kSetDumpable:
      if (a[1] > 1) return err(EINVAL);
      t.tg().dumpable = static_cast<int>(a[1]);
      return 0;
    case kGetSeccomp:
      return 0;
    case kCapbsetRead:
      if (a[1] > kCapLastCap) return err(EINVAL);
      return 1;
    case kSetChildSubreaper:
      t.tg().child_subreaper = a[1] != 0;
      return 0;
    case kGetChildSubreaper:
      TRY(t.mem().write(UserPtr<int32_t>{a[1]}, t.tg().child_subreaper ? 1 : 0));
      return 0;
    case kSetNoNewPrivs:
      if (a[1] != 1 || a[2] || a[3] || a[4]) return err(EINVAL);
      t.no_new_privs = true;
      return 0;
    case kGetNoNewPrivs:
      if (a[1] || a[2] || a[3] || a[4]) return err(EINVAL);
      return t.no_new_privs ? 1 : 0;
    case kGetSecurebits:
      return 0;  // no SECURE_* bits (setting them is not supported)
    case kCapAmbient:
      return cap_ambient(a);
    default:
      return err(EINVAL);
  }
}

}  // namespace

void register_prctl(SyscallTable& t) {
  t.add(157, "prctl", Support::Partial, sys_prctl, {Arg::Int, Arg::Hex, Arg::Hex, Arg::Hex, Arg::Hex},
        "names, pdeathsig, dumpable, no_new_privs, subreaper, get securebits (0), an always empty ambient "
        "capability set; other options EINVAL");
}

}  // namespace lx
