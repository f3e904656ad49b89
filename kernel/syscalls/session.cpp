// Process groups and sessions across the processes of an instance.
//
// Every process records its group and session ids (ThreadGroup::pgid/sid);
// a group or session exists while some process (zombies included, as Linux
// keeps them attached until reaped) carries its id. A session leader is the
// process whose pid is its session id: only setsid creates such a process.
// setsid drops the caller's controlling terminal (tty/JobControl.h).
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"

namespace lx {
namespace {

// find_task_by_vpid(): any thread id names its process; zombies stay
// visible until reaped.
ThreadGroup* lookup(Kernel& k, int pid) {
  if (ThreadGroup* g = k.find_group(pid)) return g;
  if (Task* task = k.find_task(pid)) return &task->tg();
  return nullptr;
}

bool group_exists(Kernel& k, int pgid, ThreadGroup** member) {
  for (const auto& [pid, g] : k.groups()) {
    if (g->pgid == pgid) {
      if (member) *member = g.get();
      return true;
    }
  }
  return false;
}

bool is_session_leader(const ThreadGroup& g) { return g.sid == g.pid(); }

Result<long> sys_getpgrp(Task& t, const SyscallArgs&) { return t.tg().pgid; }

Result<long> sys_getpgid(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  if (pid == 0) return t.tg().pgid;
  ThreadGroup* g = lookup(t.kernel(), pid);
  if (!g) return err(ESRCH);
  return g->pgid;
}

Result<long> sys_getsid(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  if (pid == 0) return t.tg().sid;
  ThreadGroup* g = lookup(t.kernel(), pid);
  if (!g) return err(ESRCH);
  return g->sid;
}

// Linux's checks, in Linux's order (the first failing one picks the errno).
Result<long> sys_setpgid(Task& t, const SyscallArgs& a) {
  ThreadGroup& self = t.tg();
  Kernel& k = t.kernel();
  int pid = arg_int(a[0]);
  int pgid = arg_int(a[1]);
  if (pid == 0) pid = self.pid();
  if (pgid == 0) pgid = pid;
  if (pgid < 0) return err(EINVAL);
  ThreadGroup* target = k.find_group(pid);
  if (!target) {
    // A thread id names a task that exists but is not a process.
    return err(k.find_task(pid) ? EINVAL : ESRCH);
  }
  if (target->parent == &self) {
    if (target->sid != self.sid) return err(EPERM);
    // A child that has exec'd is out of its parent's hands (POSIX: so the
    // shell cannot race the job's own setpgid after exec).
    if (target->did_exec) return err(EACCES);
  } else if (target != &self) {
    return err(ESRCH);
  }
  if (is_session_leader(*target)) return err(EPERM);
  if (pgid != pid) {
    // Joining a group: it must exist in the caller's session.
    ThreadGroup* member = nullptr;
    if (!group_exists(k, pgid, &member) || member->sid != self.sid) return err(EPERM);
  }
  target->pgid = pgid;
  return 0;
}

Result<long> sys_setsid(Task& t, const SyscallArgs&) {
  ThreadGroup& self = t.tg();
  if (is_session_leader(self)) return err(EPERM);
  // The new session's id is our pid, which must not already name a process
  // group (ours, or one we created and left).
  if (group_exists(t.kernel(), self.pid(), nullptr)) return err(EPERM);
  self.sid = self.pgid = self.pid();
  self.ctty.reset();  // a new session starts without a controlling terminal
  return self.sid;
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
  t.add(121, "getpgid", Support::Full, sys_getpgid, {A::Int});
  t.add(124, "getsid", Support::Full, sys_getsid, {A::Int});
  t.add(109, "setpgid", Support::Full, sys_setpgid, {A::Int, A::Int});
  t.add(112, "setsid", Support::Full, sys_setsid, {});
  t.add(135, "personality", Support::Partial, sys_personality, {A::Hex},
        "PER_LINUX only; flag bits are recorded but ADDR_NO_RANDOMIZE etc. have no effect");
}

}  // namespace lx
