// Process groups and sessions. With one process per instance so far, the
// first process leads its own group and session (as a shell's child run with
// setsid would); job control across processes comes with fork.
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

int arg_pid(uint64_t v) { return static_cast<int>(static_cast<uint32_t>(v)); }

Result<long> sys_getpgrp(Task& t, const SyscallArgs&) { return t.tg().pgid; }

Result<long> sys_getpgid(Task& t, const SyscallArgs& a) {
  int pid = arg_pid(a[0]);
  if (pid < 0) return err(ESRCH);
  if (pid != 0 && pid != t.tg().pid()) return err(ESRCH);
  return t.tg().pgid;
}

Result<long> sys_getsid(Task& t, const SyscallArgs& a) {
  int pid = arg_pid(a[0]);
  if (pid < 0) return err(ESRCH);
  if (pid != 0 && pid != t.tg().pid()) return err(ESRCH);
  return t.tg().sid;
}

Result<long> sys_setpgid(Task& t, const SyscallArgs& a) {
  int pid = arg_pid(a[0]);
  int pgid = arg_pid(a[1]);
  if (pgid < 0) return err(EINVAL);
  if (pid != 0 && pid != t.tg().pid()) return err(ESRCH);
  if (pgid == 0) pgid = t.tg().pid();
  // A session leader cannot change its group; a group may only be joined
  // within the session, and the only group here is our own.
  if (t.tg().sid == t.tg().pid()) return err(EPERM);
  if (pgid != t.tg().pid()) return err(EPERM);
  t.tg().pgid = pgid;
  return 0;
}

Result<long> sys_setsid(Task& t, const SyscallArgs&) {
  // A process group leader cannot start a new session.
  if (t.tg().pgid == t.tg().pid()) return err(EPERM);
  t.tg().sid = t.tg().pgid = t.tg().pid();
  return t.tg().sid;
}

Result<long> sys_personality(Task& t, const SyscallArgs& a) {
  const auto persona = static_cast<uint32_t>(a[0]);
  const uint32_t old = t.tg().personality;
  if (persona != 0xffffffffu) {
    // Only the Linux personality (with any flag bits) exists on x86-64.
    if ((persona & 0xff) != 0) return err(EINVAL);
    t.tg().personality = persona;
  }
  return old;
}

}  // namespace

void register_session(SyscallTable& t) {
  using A = Arg;
  t.add(111, "getpgrp", Support::Full, sys_getpgrp, {});
  t.add(121, "getpgid", Support::Partial, sys_getpgid, {A::Int}, "only the caller's own pid is known");
  t.add(124, "getsid", Support::Partial, sys_getsid, {A::Int}, "only the caller's own pid is known");
  t.add(109, "setpgid", Support::Partial, sys_setpgid, {A::Int, A::Int}, "no other processes to move yet");
  t.add(112, "setsid", Support::Full, sys_setsid, {});
  t.add(135, "personality", Support::Partial, sys_personality, {A::Hex},
        "PER_LINUX only; flag bits are recorded but ADDR_NO_RANDOMIZE etc. have no effect");
}

}  // namespace lx
