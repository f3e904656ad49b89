// Credentials: user and group ids, supplementary groups, capabilities.
//
// Linux keeps credentials per thread (struct cred), but glibc's set*id
// wrappers broadcast each change to every thread of the process (SIGSETXID),
// so programs see process-wide credentials. We store them once per
// ThreadGroup: a raw set*id syscall from one thread therefore changes the
// whole process, which only code bypassing glibc could notice.
//
// Capabilities are not stored. They are derived from the ids the way Linux's
// commoncap rules leave them for a process that started as root with the
// full set, or as non-root with none (no file capabilities, no securebits):
//   permitted = full if any of ruid/euid/suid is 0, else empty
//   effective = permitted if euid is 0, else empty; then fsuid != 0 drops
//               the filesystem capabilities and fsuid == 0 raises them
// Where this differs from Linux: capset drops are accepted but not
// remembered, and Linux keeps filesystem capabilities that setfsuid dropped
// even after a later set*uid puts fsuid back to 0.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

constexpr uint32_t kNoChange = 0xffffffffu;  // (uid_t)-1: "leave this id alone"
constexpr int kNgroupsMax = 65536;

// The capabilities Linux 6.1 (our uname) knows: 0..CAP_LAST_CAP (40).
constexpr int kCapLastCap = 40;
constexpr uint64_t kCapFull = (uint64_t{1} << (kCapLastCap + 1)) - 1;
constexpr int kCapChown = 0, kCapDacOverride = 1, kCapDacReadSearch = 2, kCapFowner = 3,
              kCapFsetid = 4, kCapSetpcap = 8, kCapLinuxImmutable = 9, kCapMknod = 27,
              kCapMacOverride = 32;
// CAP_FS_SET: what setfsuid drops from / raises into the effective set.
constexpr uint64_t kCapFsSet = (uint64_t{1} << kCapChown) | (uint64_t{1} << kCapDacOverride) |
                               (uint64_t{1} << kCapDacReadSearch) | (uint64_t{1} << kCapFowner) |
                               (uint64_t{1} << kCapFsetid) | (uint64_t{1} << kCapLinuxImmutable) |
                               (uint64_t{1} << kCapMknod) | (uint64_t{1} << kCapMacOverride);

constexpr uint32_t kCapVersion1 = 0x19980330, kCapVersion2 = 0x20071026, kCapVersion3 = 0x20080522;

struct CapSets {
  uint64_t effective = 0, permitted = 0, inheritable = 0;
};

CapSets caps_of(const ThreadGroup& g) {
  CapSets c;
  c.permitted = (g.uid == 0 || g.euid == 0 || g.suid == 0) ? kCapFull : 0;
  c.effective = g.euid == 0 ? c.permitted : 0;
  c.effective = g.fsuid == 0 ? c.effective | (c.permitted & kCapFsSet) : c.effective & ~kCapFsSet;
  return c;
}

// CAP_SETUID / CAP_SETGID are in the effective set exactly when euid is 0
// (neither is a filesystem capability, so fsuid does not matter).
bool can_setid(const ThreadGroup& g) { return g.euid == 0; }

Result<long> sys_getuid(Task& t, const SyscallArgs&) { return t.tg().uid; }
Result<long> sys_geteuid(Task& t, const SyscallArgs&) { return t.tg().euid; }
Result<long> sys_getgid(Task& t, const SyscallArgs&) { return t.tg().gid; }
Result<long> sys_getegid(Task& t, const SyscallArgs&) { return t.tg().egid; }

Result<long> put_three_ids(Task& t, const SyscallArgs& a, uint32_t r, uint32_t e, uint32_t s) {
  // Linux stores real, effective, saved in order and stops at the first fault.
  TRY(t.mem().write(UserPtr<uint32_t>{a[0]}, r));
  TRY(t.mem().write(UserPtr<uint32_t>{a[1]}, e));
  TRY(t.mem().write(UserPtr<uint32_t>{a[2]}, s));
  return 0;
}
Result<long> sys_getresuid(Task& t, const SyscallArgs& a) { return put_three_ids(t, a, t.tg().uid, t.tg().euid, t.tg().suid); }
Result<long> sys_getresgid(Task& t, const SyscallArgs& a) { return put_three_ids(t, a, t.tg().gid, t.tg().egid, t.tg().sgid); }

uint32_t arg_id(uint64_t v) { return static_cast<uint32_t>(v); }

// The uid and gid families follow the same rules; only the fields and, for
// gids, the fact that the privilege still comes from the uid differ.
struct IdSet {
  uint32_t& r;
  uint32_t& e;
  uint32_t& s;
  uint32_t& fs;
};
IdSet uids(ThreadGroup& g) { return {g.uid, g.euid, g.suid, g.fsuid}; }
IdSet gids(ThreadGroup& g) { return {g.gid, g.egid, g.sgid, g.fsgid}; }

// setuid/setgid: privileged callers set all of real/effective/saved;
// others may only set the effective id to the real or saved one.
Result<long> do_setid(IdSet ids, bool privileged, uint32_t id) {
  if (id == kNoChange) return err(EINVAL);  // not a valid id, not "no change"
  if (privileged) {
    ids.r = ids.s = id;
  } else if (id != ids.r && id != ids.s) {
    return err(EPERM);
  }
  ids.e = ids.fs = id;
  return 0;
}

// setreuid/setregid: the new real id must be the old real or effective one,
// the new effective id any of the three, unless privileged. The saved id
// takes the new effective id when the real id is set or the effective id
// moves away from the old real id.
Result<long> do_setreid(IdSet ids, bool privileged, uint32_t r, uint32_t e) {
  if (!privileged) {
    if (r != kNoChange && r != ids.r && r != ids.e) return err(EPERM);
    if (e != kNoChange && e != ids.r && e != ids.e && e != ids.s) return err(EPERM);
  }
  const uint32_t old_r = ids.r;
  if (r != kNoChange) ids.r = r;
  if (e != kNoChange) ids.e = e;
  if (r != kNoChange || (e != kNoChange && e != old_r)) ids.s = ids.e;
  ids.fs = ids.e;
  return 0;
}

// setresuid/setresgid: unprivileged callers may set each id to any of the
// current real/effective/saved ids.
Result<long> do_setresid(IdSet ids, bool privileged, uint32_t r, uint32_t e, uint32_t s) {
  auto is_current = [&](uint32_t id) { return id == kNoChange || id == ids.r || id == ids.e || id == ids.s; };
  if (!privileged && !(is_current(r) && is_current(e) && is_current(s))) return err(EPERM);
  if (r != kNoChange) ids.r = r;
  if (e != kNoChange) ids.e = e;
  if (s != kNoChange) ids.s = s;
  ids.fs = ids.e;
  return 0;
}

// setfsuid/setfsgid never fail: they return the previous fs id whether or
// not the change was allowed, so callers probe with an invalid id (-1).
long do_setfsid(IdSet ids, bool privileged, uint32_t id) {
  const uint32_t old = ids.fs;
  if (id == kNoChange) return old;
  if (privileged || id == ids.r || id == ids.e || id == ids.s || id == ids.fs) ids.fs = id;
  return old;
}

Result<long> sys_setuid(Task& t, const SyscallArgs& a) {
  return do_setid(uids(t.tg()), can_setid(t.tg()), arg_id(a[0]));
}
Result<long> sys_setgid(Task& t, const SyscallArgs& a) {
  return do_setid(gids(t.tg()), can_setid(t.tg()), arg_id(a[0]));
}
Result<long> sys_setreuid(Task& t, const SyscallArgs& a) {
  return do_setreid(uids(t.tg()), can_setid(t.tg()), arg_id(a[0]), arg_id(a[1]));
}
Result<long> sys_setregid(Task& t, const SyscallArgs& a) {
  return do_setreid(gids(t.tg()), can_setid(t.tg()), arg_id(a[0]), arg_id(a[1]));
}
Result<long> sys_setresuid(Task& t, const SyscallArgs& a) {
  return do_setresid(uids(t.tg()), can_setid(t.tg()), arg_id(a[0]), arg_id(a[1]), arg_id(a[2]));
}
Result<long> sys_setresgid(Task& t, const SyscallArgs& a) {
  return do_setresid(gids(t.tg()), can_setid(t.tg()), arg_id(a[0]), arg_id(a[1]), arg_id(a[2]));
}
Result<long> sys_setfsuid(Task& t, const SyscallArgs& a) {
  return do_setfsid(uids(t.tg()), can_setid(t.tg()), arg_id(a[0]));
}
Result<long> sys_setfsgid(Task& t, const SyscallArgs& a) {
  return do_setfsid(gids(t.tg()), can_setid(t.tg()), arg_id(a[0]));
}

Result<long> sys_getgroups(Task& t, const SyscallArgs& a) {
  const int size = arg_int(a[0]);
  if (size < 0) return err(EINVAL);
  const std::vector<uint32_t>& groups = t.tg().groups;
  const auto n = static_cast<long>(groups.size());
  if (size == 0) return n;  // a size query copies nothing
  if (n > size) return err(EINVAL);
  TRY(t.mem().copy_out(a[1], groups.data(), groups.size() * sizeof(uint32_t)));
  return n;
}

Result<long> sys_setgroups(Task& t, const SyscallArgs& a) {
  // The permission check comes before any look at the arguments.
  if (!can_setid(t.tg())) return err(EPERM);
  const int size = arg_int(a[0]);
  if (static_cast<unsigned>(size) > static_cast<unsigned>(kNgroupsMax)) return err(EINVAL);
  std::vector<uint32_t> groups(static_cast<size_t>(size));
  TRY(t.mem().copy_in(a[1], groups.data(), groups.size() * sizeof(uint32_t)));
  if (std::find(groups.begin(), groups.end(), kNoChange) != groups.end()) return err(EINVAL);
  // Linux keeps the list sorted (for binary search); getgroups shows that.
  std::sort(groups.begin(), groups.end());
  t.tg().groups = std::move(groups);
  return 0;
}

// struct __user_cap_header_struct / __user_cap_data_struct.
struct CapHeader {
  uint32_t version;
  int32_t pid;
};
struct CapData {
  uint32_t effective, permitted, inheritable;
};
static_assert(sizeof(CapHeader) == 8 && sizeof(CapData) == 12);

// How many CapData words a header version uses, or EINVAL after writing the
// version we prefer back into the header (how libcap probes for it).
Result<int> cap_words(Task& t, uint64_t header) {
  const uint32_t version = TRY(t.mem().read(UserPtr<uint32_t>{header}));
  switch (version) {
    case kCapVersion1:
      return 1;
    case kCapVersion2:
    case kCapVersion3:
      return 2;
    default:
      TRY(t.mem().write(UserPtr<uint32_t>{header}, kCapVersion3));
      return err(EINVAL);
  }
}

Result<long> sys_capget(Task& t, const SyscallArgs& a) {
  Result<int> words = cap_words(t, a[0]);
  // A null data pointer with a bad version is the version probe: it succeeds.
  if (a[1] == 0) {
    if (!words.ok() && words.error() != EINVAL) return err(words.error());
    return 0;
  }
  if (!words.ok()) return err(words.error());
  const int pid = TRY(t.mem().read(UserPtr<int32_t>{a[0] + offsetof(CapHeader, pid)}));
  if (pid < 0) return err(EINVAL);
  ThreadGroup* target = &t.tg();
  if (pid != 0 && pid != t.tid()) {
    Task* other = t.kernel().find_task(pid);
    if (!other) return err(ESRCH);
    target = &other->tg();
  }
  const CapSets caps = caps_of(*target);
  std::array<CapData, 2> data{};
  for (size_t i = 0; i < data.size(); ++i) {
    const unsigned shift = static_cast<unsigned>(i) * 32;
    data.at(i) = CapData{static_cast<uint32_t>(caps.effective >> shift), static_cast<uint32_t>(caps.permitted >> shift),
                         static_cast<uint32_t>(caps.inheritable >> shift)};
  }
  TRY(t.mem().copy_out(a[1], data.data(), static_cast<uint64_t>(words.value()) * sizeof(CapData)));
  return 0;
}

Result<long> sys_capset(Task& t, const SyscallArgs& a) {
  const int words = TRY(cap_words(t, a[0]));
  const int pid = TRY(t.mem().read(UserPtr<int32_t>{a[0] + offsetof(CapHeader, pid)}));
  // Only the calling thread itself can be changed.
  if (pid != 0 && pid != t.tid()) return err(EPERM);
  std::array<CapData, 2> data{};
  TRY(t.mem().copy_in(a[1], data.data(), static_cast<uint64_t>(words) * sizeof(CapData)));
  CapSets want;
  for (size_t i = 0; i < data.size(); ++i) {
    const unsigned shift = static_cast<unsigned>(i) * 32;
    want.effective |= uint64_t{data.at(i).effective} << shift;
    want.permitted |= uint64_t{data.at(i).permitted} << shift;
    want.inheritable |= uint64_t{data.at(i).inheritable} << shift;
  }
  // Bits above CAP_LAST_CAP are silently ignored.
  want.effective &= kCapFull;
  want.permitted &= kCapFull;
  want.inheritable &= kCapFull;
  const CapSets old = caps_of(t.tg());
  auto subset = [](uint64_t x, uint64_t of) { return (x & ~of) == 0; };
  // cap_capset(): without CAP_SETPCAP the inheritable set may only take bits
  // from the old inheritable and permitted sets; the bounding set is full.
  if (!(old.effective & (uint64_t{1} << kCapSetpcap)) &&
      !subset(want.inheritable, old.inheritable | old.permitted))
    return err(EPERM);
  if (!subset(want.permitted, old.permitted)) return err(EPERM);
  if (!subset(want.effective, want.permitted)) return err(EPERM);
  // Allowed. A change cannot be recorded (capabilities follow the ids, see
  // the top of this file), so a drop is accepted without effect.
  return 0;
}

}  // namespace

void register_creds(SyscallTable& t) {
  using A = Arg;
  // The ids and errors are Linux's, and tmpfs/lxfs check files against
  // fsuid/fsgid/groups; hostfs files are judged by the host user's rights.
  constexpr const char* kVfsNote =
      "ids and errors as Linux; tmpfs/lxfs check fsuid/fsgid/groups, hostfs files keep the host user's rights";
  t.add(102, "getuid", Support::Full, sys_getuid, {});
  t.add(107, "geteuid", Support::Full, sys_geteuid, {});
  t.add(104, "getgid", Support::Full, sys_getgid, {});
  t.add(108, "getegid", Support::Full, sys_getegid, {});
  t.add(118, "getresuid", Support::Full, sys_getresuid, {A::Ptr, A::Ptr, A::Ptr});
  t.add(120, "getresgid", Support::Full, sys_getresgid, {A::Ptr, A::Ptr, A::Ptr});
  t.add(105, "setuid", Support::Partial, sys_setuid, {A::Int}, kVfsNote);
  t.add(106, "setgid", Support::Partial, sys_setgid, {A::Int}, kVfsNote);
  t.add(113, "setreuid", Support::Partial, sys_setreuid, {A::Int, A::Int}, kVfsNote);
  t.add(114, "setregid", Support::Partial, sys_setregid, {A::Int, A::Int}, kVfsNote);
  t.add(117, "setresuid", Support::Partial, sys_setresuid, {A::Int, A::Int, A::Int}, kVfsNote);
  t.add(119, "setresgid", Support::Partial, sys_setresgid, {A::Int, A::Int, A::Int}, kVfsNote);
  t.add(122, "setfsuid", Support::Partial, sys_setfsuid, {A::Int}, kVfsNote);
  t.add(123, "setfsgid", Support::Partial, sys_setfsgid, {A::Int}, kVfsNote);
  t.add(115, "getgroups", Support::Full, sys_getgroups, {A::Int, A::Ptr});
  t.add(116, "setgroups", Support::Partial, sys_setgroups, {A::Int, A::Ptr}, kVfsNote);
  t.add(125, "capget", Support::Partial, sys_capget, {A::Ptr, A::Ptr},
        "derived from the ids: full set (CAP_LAST_CAP 40) for euid 0, empty otherwise; inheritable empty");
  t.add(126, "capset", Support::Partial, sys_capset, {A::Ptr, A::Ptr},
        "checks Linux's rules, but an allowed drop is not recorded: privilege follows the ids");
}

}  // namespace lx
