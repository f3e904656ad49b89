// clone, clone3, fork, vfork: new threads (a host thread in the same pico
// process), new processes sharing the address space (CLONE_VM: vfork and
// posix_spawn) and forks (a copy-on-write copy of the pico process).
#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/proc/PidFd.h"
#include "kernel/sched/Wait.h"
#include "kernel/syscalls/Priority.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800,
                   kClonePidfd = 0x1000, kClonePtrace = 0x2000, kCloneVfork = 0x4000, kCloneParent = 0x8000,
                   kCloneThread = 0x10000, kCloneNewns = 0x20000, kCloneSysvsem = 0x40000,
                   kCloneSettls = 0x80000, kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000,
                   kCloneDetached = 0x400000, kCloneUntraced = 0x800000, kCloneChildSettid = 0x01000000,
                   kCloneNewcgroup = 0x02000000, kCloneNewuts = 0x04000000, kCloneNewipc = 0x08000000,
                   kCloneNewuser = 0x10000000, kCloneNewpid = 0x20000000, kCloneNewnet = 0x40000000,
                   kCloneIo = 0x80000000ull, kCloneClearSighand = 0x100000000ull,
                   kCloneIntoCgroup = 0x200000000ull;
constexpr uint64_t kCloneNamespaces =
    kCloneNewns | kCloneNewcgroup | kCloneNewuts | kCloneNewipc | kCloneNewuser | kCloneNewpid | kCloneNewnet;

struct CloneArgs {
  uint64_t flags = 0;
  uint64_t pidfd = 0;
  uint64_t child_tid = 0;
  uint64_t parent_tid = 0;
  uint64_t exit_signal = 0;
  uint64_t stack = 0;  // top of the new stack (clone) or its base (clone3)
  uint64_t stack_size = 0;
  uint64_t tls = 0;
};

// copy_process()'s flag rules.
Result<void> check_flags(Task& t, const CloneArgs& c) {
  const uint64_t f = c.flags;
  if ((f & kCloneThread) && !(f & kCloneSighand)) return err(EINVAL);
  if ((f & kCloneSighand) && !(f & kCloneVm)) return err(EINVAL);
  if ((f & kCloneParent) && t.tg().parent == nullptr && &t.tg() == t.kernel().init()) return err(EINVAL);
  if ((f & kCloneThread) && c.exit_signal) return err(EINVAL);
  if ((f & kClonePidfd) && (f & (kCloneThread | kCloneDetached))) return err(EINVAL);
  if (c.exit_signal > static_cast<uint64_t>(kNsig)) return err(EINVAL);
  if (f & (kCloneIntoCgroup | kCloneClearSighand)) return err(EINVAL);  // not offered yet
  if (f & kCloneNamespaces) return err(EPERM);
  (void)kClonePtrace; (void)kCloneUntraced; (void)kCloneIo; (void)kCloneSysvsem; (void)kCloneFs;
  return {};
}

// Registers of the child: the parent's at the syscall, returning 0.
void init_child_regs(pico::Registers& r, const pico::Registers& parent, const CloneArgs& c) {
  r = parent;
  r.rax = 0;
  r.rcx = r.rip;
  r.r11 = r.rflags;
  if (c.stack) r.rsp = c.stack;
  if (c.flags & kCloneSettls) r.fs_base = c.tls;
}

Result<long> do_clone(Task& t, const CloneArgs& c) {
  TRY(check_flags(t, c));
  Kernel& k = t.kernel();
  ThreadGroup& ptg = t.tg();
  if (ptg.exiting) return err(EINTR);
  const uint64_t f = c.flags;
  // The pidfd's number goes to the parent before the child exists, so a bad
  // pointer fails the whole clone (EFAULT) as in Linux.
  if (f & kClonePidfd) TRY(t.mem().write(UserPtr<int32_t>{c.pidfd}, -1));
  const int tid = TRY(k.alloc_pid());

  Task* child = nullptr;
  ThreadGroup* ctg = nullptr;
  if (f & kCloneThread) {
    pico::Thread* th = TRY(t.thread().create_thread());
    child = &k.adopt_task(std::make_unique<Task>(ptg, *th, tid));
    ctg = &ptg;
  } else {
    std::shared_ptr<Mm> mm;
    pico::Thread* th = nullptr;
    if (f & kCloneVm) {
      th = TRY(t.thread().create_thread());
      mm = ptg.mm_ref();
    } else {
      // The host copies the memory; the child's thread starts with the
      // registers of this one as they are now.
      auto proc = TRY(t.thread().fork_process());
      mm = std::make_shared<Mm>(std::move(proc));
      mm->map() = ptg.mm();
      th = &mm->pico().main_thread();
    }
    ctg = &k.adopt_group(std::make_unique<ThreadGroup>(k, mm, tid));
    ctg->set_fds((f & kCloneFiles) ? ptg.fds_ref() : std::make_shared<FdTable>(ptg.fds()));
    ctg->cwd = ptg.cwd;
    ctg->umask = ptg.umask;
    ctg->rlimits = ptg.rlimits;
    ctg->sigactions = ptg.sigactions;
    ctg->exe_path = ptg.exe_path;
    ctg->cmdline = ptg.cmdline;
    ctg->environ = ptg.environ;
    ctg->pgid = ptg.pgid;
    ctg->sid = ptg.sid;
    ctg->ctty = ptg.ctty;
    ctg->personality = ptg.personality;
    inherit_nice(ptg, *ctg);
    ctg->dumpable = ptg.dumpable;
    ctg->uid = ptg.uid; ctg->euid = ptg.euid; ctg->suid = ptg.suid; ctg->fsuid = ptg.fsuid;
    ctg->gid = ptg.gid; ctg->egid = ptg.egid; ctg->sgid = ptg.sgid; ctg->fsgid = ptg.fsgid;
    ctg->groups = ptg.groups;
    ctg->parent = (f & kCloneParent) ? ptg.parent : &ptg;
    if (ctg->parent) ctg->parent->children.push_back(ctg);
    ctg->exit_signal = static_cast<int>(c.exit_signal);
    child = &k.adopt_task(std::make_unique<Task>(*ctg, *th, tid));
  }
  ctg->tasks.push_back(child);
  init_child_regs(child->regs(), t.regs(), c);
  child->sigmask = t.sigmask;
  child->comm = t.comm;
  child->no_new_privs = t.no_new_privs;
  if ((f & (kCloneVm | kCloneVfork)) != kCloneVm) {
    // Linux keeps the alternate stack only where the new task cannot be
    // running on it concurrently: fork and vfork children.
    child->sas_ss_sp = t.sas_ss_sp;
    child->sas_ss_size = t.sas_ss_size;
    child->sas_ss_flags = t.sas_ss_flags;
  }
  if (f & kCloneChildCleartid) child->clear_child_tid = c.child_tid;

  // The tid stores. A fault here leaves the child running, as in Linux
  // (which ignores put_user failures for these).
  if (f & kCloneParentSettid) (void)t.mem().write(UserPtr<int32_t>{c.parent_tid}, tid);
  if (f & kCloneChildSettid) (void)child->mem().write(UserPtr<int32_t>{c.child_tid}, tid);
  if ((f & kCloneParentSettid) && !(f & kCloneVm)) (void)child->mem().write(UserPtr<int32_t>{c.parent_tid}, tid);
  // A new thread reads its tid from there as soon as it runs.
  (void)t.mem().commit();

  if (f & kClonePidfd) {
    // Always close-on-exec, as Linux makes it.
    Result<int> pfd = t.fds().install(make_pidfd(*ctg, abi::kORdwr), /*cloexec=*/true);
    if (pfd.ok()) (void)t.mem().write(UserPtr<int32_t>{c.pidfd}, pfd.value());
  }
  if (f & kCloneVfork) {
    ctg->vfork_parent = &t;
    t.vfork_done = false;
  }
  k.start_task(*child);
  if (f & kCloneVfork) {
    // The parent sleeps until the child execs or exits; signals wait too
    // (Linux's killable wait), only a group exit ends it early.
    while (!t.vfork_done && !t.exited && !ptg.exiting) t.sleep(Deadline::never());
  }
  return tid;
}

Result<long> sys_clone(Task& t, const SyscallArgs& a) {
  CloneArgs c;
  c.flags = a[0] & ~uint64_t{0xff} & 0xffffffffull;
  c.exit_signal = a[0] & 0xff;
  c.stack = a[1];
  c.parent_tid = a[2];
  c.child_tid = a[3];  // x86-64 order: flags, stack, ptid, ctid, tls
  c.tls = a[4];
  if (c.flags & kClonePidfd) {
    // clone() has no pidfd argument: the pidfd goes where the parent tid would.
    if (c.flags & kCloneParentSettid) return err(EINVAL);
    c.pidfd = c.parent_tid;
  }
  return do_clone(t, c);
}

Result<long> sys_fork(Task& t, const SyscallArgs&) {
  CloneArgs c;
  c.exit_signal = kSigChld;
  return do_clone(t, c);
}

Result<long> sys_vfork(Task& t, const SyscallArgs&) {
  CloneArgs c;
  c.flags = kCloneVm | kCloneVfork;
  c.exit_signal = kSigChld;
  return do_clone(t, c);
}

struct CloneArgs3 {  // struct clone_args (CLONE_ARGS_SIZE_VER2)
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
      cgroup;
};

Result<long> sys_clone3(Task& t, const SyscallArgs& a) {
  constexpr uint64_t kVer0 = 64, kMax = 4096;
  const uint64_t size = a[1];
  if (size < kVer0 || size > kMax) return err(EINVAL);
  CloneArgs3 in{};
  TRY(t.mem().copy_in(a[0], &in, std::min<uint64_t>(size, sizeof in)));
  if (size > sizeof in) {
    // Unknown trailing fields must be zero (copy_struct_from_user).
    std::vector<uint8_t> rest(size - sizeof in);
    TRY(t.mem().copy_in(a[0] + sizeof in, rest.data(), rest.size()));
    for (uint8_t b : rest)
      if (b) return err(E2BIG);
  }
  if (in.set_tid || in.set_tid_size) return err(EINVAL);  // needs CAP_SYS_ADMIN in a child pid ns
  if (in.exit_signal & ~uint64_t{0xff}) return err(EINVAL);
  if ((in.stack == 0) != (in.stack_size == 0)) return err(EINVAL);
  CloneArgs c;
  c.flags = in.flags;
  c.pidfd = in.pidfd;
  c.child_tid = in.child_tid;
  c.parent_tid = in.parent_tid;
  c.exit_signal = in.exit_signal;
  c.stack = in.stack ? in.stack + in.stack_size : 0;
  c.tls = in.tls;
  return do_clone(t, c);
}

}  // namespace

void register_clone(SyscallTable& t) {
  using A = Arg;
  constexpr const char* kNote = "no namespaces (EPERM), CLONE_INTO_CGROUP/CLEAR_SIGHAND are EINVAL";
  t.add(56, "clone", Support::Partial, sys_clone, {A::Hex, A::Ptr, A::Ptr, A::Ptr, A::Hex}, kNote);
  t.add(435, "clone3", Support::Partial, sys_clone3, {A::Ptr, A::Size}, kNote);
  t.add(57, "fork", Support::Full, sys_fork, {});
  t.add(58, "vfork", Support::Full, sys_vfork, {});
}

}  // namespace lx
