// exit, exit_group, wait4, waitid: ending tasks and reaping children.
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/proc/PidFd.h"
#include "kernel/sched/Wait.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/GuestFlags.h"

namespace lx {

namespace {

constexpr int kWnohang = 1, kWuntraced = 2, kWstopped = 2, kWexited = 4, kWcontinued = 8, kWnowait = 0x01000000;
constexpr unsigned kWnothread = 0x20000000, kWall = 0x40000000, kWclone = 0x80000000;

Result<long> sys_exit(Task& t, const SyscallArgs& a) {
  ThreadGroup& tg = t.tg();
  // The group's status comes from its leader when threads leave one by one.
  if (t.tid() == tg.pid() && !tg.exiting) tg.exit_status = (arg_int(a[0]) & 0xff) << 8;
  t.exited = true;
  return 0;
}

Result<long> sys_exit_group(Task& t, const SyscallArgs& a) {
  do_group_exit(t.tg(), (arg_int(a[0]) & 0xff) << 8);
  return 0;
}

// Which children a wait call is about.
struct WaitSpec {
  enum Kind { Any, Pid, Pgid } kind = Any;
  int id = 0;
  const ThreadGroup* group = nullptr;  // P_PIDFD: exactly this process (its pid may be reused later)
  unsigned options = 0;  // WEXITED etc. in waitid's encoding
};

bool selects(const WaitSpec& w, ThreadGroup& c) {
  if (w.kind == WaitSpec::Pid && c.pid() != w.id) return false;
  if (w.group && &c != w.group) return false;
  if (w.kind == WaitSpec::Pgid && c.pgid != w.id) return false;
  // __WCLONE picks children that signal something other than SIGCHLD.
  if (w.options & kWall) return true;
  const bool clone_child = c.exit_signal != kSigChld;
  return ((w.options & kWclone) != 0) == clone_child;
}

enum class Event { None, Exited, Stopped, Continued };

// The first child with something to report, without consuming it.
Event find_event(ThreadGroup& tg, const WaitSpec& w, ThreadGroup** who, bool* any) {
  *any = false;
  for (ThreadGroup* c : tg.children) {
    if (!selects(w, *c)) continue;
    *any = true;
    *who = c;
    if (c->zombie && (w.options & kWexited)) return Event::Exited;
    if (!c->zombie && c->stop_report_pending && (w.options & kWstopped)) return Event::Stopped;
    if (!c->zombie && c->continue_report_pending && (w.options & kWcontinued)) return Event::Continued;
  }
  return Event::None;
}

struct Report {
  Event event = Event::None;
  int pid = 0;
  uint32_t uid = 0;
  int wait_status = 0;
};

// do_wait(): blocks until a selected child reports, unless WNOHANG.
Result<Report> do_wait(Task& t, const WaitSpec& w) {
  ThreadGroup& tg = t.tg();
  ThreadGroup* who = nullptr;
  bool any = false;
  Event ev = Event::None;
  auto ready = [&] {
    ev = find_event(tg, w, &who, &any);
    return ev != Event::None || !any || (w.options & kWnohang);
  };
  TRY(wait_event(t, {&tg.child_wait}, ready));
  if (ev == Event::None) {
    if (!any) return err(ECHILD);
    return Report{};  // WNOHANG, nothing yet
  }
  Report r{ev, who->pid(), who->uid, 0};
  const bool consume = !(w.options & kWnowait);
  switch (ev) {
    case Event::Exited:
      r.wait_status = who->exit_status;
      if (consume) t.kernel().release_group(*who);
      break;
    case Event::Stopped:
      r.wait_status = (who->stop_signal << 8) | 0x7f;
      if (consume) who->stop_report_pending = false;
      break;
    case Event::Continued:
      r.wait_status = 0xffff;
      if (consume) who->continue_report_pending = false;
      break;
    case Event::None:
      break;
  }
  return r;
}

Result<long> sys_wait4(Task& t, const SyscallArgs& a) {
  const int pid = arg_int(a[0]);
  const auto options = static_cast<unsigned>(a[2]);
  if (options & ~(kWnohang | kWuntraced | kWcontinued | kWnothread | kWall | kWclone)) return err(EINVAL);
  if (pid == INT32_MIN) return err(ESRCH);  // -INT_MIN overflows: Linux refuses it
  WaitSpec w;
  w.options = options | kWexited;
  if (pid > 0) {
    w.kind = WaitSpec::Pid;
    w.id = pid;
  } else if (pid == 0) {
    w.kind = WaitSpec::Pgid;
    w.id = t.tg().pgid;
  } else if (pid < -1) {
    w.kind = WaitSpec::Pgid;
    w.id = -pid;
  }
  const Report r = TRY(do_wait(t, w));
  if (r.event == Event::None) return 0;
  if (a[1]) TRY(t.mem().write(UserPtr<int32_t>{a[1]}, r.wait_status));
  if (a[3]) {
    const std::array<uint8_t, 144> zero{};  // struct rusage: no accounting yet
    TRY(t.mem().write(UserPtr<std::array<uint8_t, 144>>{a[3]}, zero));
  }
  return r.pid;
}

Result<long> sys_waitid(Task& t, const SyscallArgs& a) {
  constexpr int kPAll = 0, kPPid = 1, kPPgid = 2, kPPidfd = 3;
  const int idtype = arg_int(a[0]);
  const int id = arg_int(a[1]);
  const auto options = static_cast<unsigned>(a[3]);
  if (options & ~(kWnohang | kWnowait | kWexited | kWstopped | kWcontinued | kWnothread | kWall | kWclone))
    return err(EINVAL);
  if (!(options & (kWexited | kWstopped | kWcontinued))) return err(EINVAL);
  WaitSpec w;
  w.options = options;
  bool pidfd_nonblock = false;
  switch (idtype) {
    case kPAll:
      break;
    case kPPid:
      if (id <= 0) return err(EINVAL);
      w.kind = WaitSpec::Pid;
      w.id = id;
      break;
    case kPPgid:
      if (id < 0) return err(EINVAL);
      w.kind = WaitSpec::Pgid;
      w.id = id ? id : t.tg().pgid;
      break;
    case kPPidfd: {
      if (id < 0) return err(EINVAL);
      OpenFileRef f = TRY(t.fds().get(id));
      std::shared_ptr<PidHandle> h = pidfd_handle(*f);
      if (!h) return err(EBADF);
      if (!h->group) return err(ECHILD);  // reaped already
      w.kind = WaitSpec::Pid;
      w.id = h->pid;
      w.group = h->group;
      // PIDFD_NONBLOCK: a wait that would block fails EAGAIN instead.
      if ((f->status_flags() & abi::kONonblock) && !(options & kWnohang)) {
        w.options |= kWnohang;
        pidfd_nonblock = true;
      }
      break;
    }
    default:
      return err(EINVAL);
  }
  const Report r = TRY(do_wait(t, w));
  if (pidfd_nonblock && r.event == Event::None) return err(EAGAIN);
  if (a[2]) {
    SigInfo info;
    if (r.event != Event::None) {
      info.signo = kSigChld;
      const int st = r.wait_status;
      switch (r.event) {
        case Event::Exited:
          info.code = status_signaled(st) ? (status_core(st) ? kCldDumped : kCldKilled) : kCldExited;
          info.set_status(status_signaled(st) ? status_termsig(st) : status_exit_code(st));
          break;
        case Event::Stopped:
          info.code = kCldStopped;
          info.set_status((st >> 8) & 0xff);
          break;
        default:
          info.code = kCldContinued;
          info.set_status(kSigCont);
          break;
      }
      info.set_pid_uid(r.pid, r.uid);
    }
    TRY(t.mem().write(UserPtr<SigInfo>{a[2]}, info));
  }
  if (a[4]) {
    const std::array<uint8_t, 144> zero{};
    TRY(t.mem().write(UserPtr<std::array<uint8_t, 144>>{a[4]}, zero));
  }
  return 0;
}

}  // namespace

void register_wait(SyscallTable& t) {
  using A = Arg;
  t.add(60, "exit", Support::Full, sys_exit, {A::Int});
  t.add(231, "exit_group", Support::Full, sys_exit_group, {A::Int});
  t.add(61, "wait4", Support::Partial, sys_wait4, {A::Int, A::Ptr, A::Hex, A::Ptr},
        "rusage is all zeros (no accounting yet)");
  t.add(247, "waitid", Support::Partial, sys_waitid, {A::Int, A::Int, A::Ptr, A::Hex, A::Ptr},
        "rusage is all zeros");
}

}  // namespace lx
