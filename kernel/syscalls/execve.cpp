// execve, execveat: a new program image in a fresh address space, keeping
// the pid, the fds without FD_CLOEXEC and ignored signal dispositions.
#include <optional>

#include "kernel/Kernel.h"
#include "kernel/Task.h"
#include "kernel/exec/Exec.h"
#include "kernel/exec/Interop.h"
#include "kernel/proc/Lifecycle.h"
#include "kernel/sched/ProcessTimers.h"
#include "kernel/signal/Frame.h"
#include "kernel/syscalls/Table.h"

namespace lx {

namespace {

constexpr uint64_t kMaxArgStrlen = uint64_t{32} * 4096;  // MAX_ARG_STRLEN
constexpr uint64_t kMaxArgStrings = 0x7fffffff;
constexpr int kAtFdcwd = -100, kAtEmptyPath = 0x1000, kAtSymlinkNofollow = 0x100;

// A NULL-terminated guest array of strings (argv or envp).
Result<std::vector<std::string>> read_string_array(Task& t, uint64_t addr) {
  std::vector<std::string> out;
  if (!addr) return out;  // Linux accepts NULL as an empty array
  // The total size is bounded by exec_image's E2BIG check; this guards the
  // provider's memory while reading (ARG_MAX-sized stacks at most).
  uint64_t total = 0;
  for (uint64_t i = 0;; ++i) {
    if (i >= kMaxArgStrings) return err(E2BIG);
    const uint64_t p = TRY(t.mem().read(UserPtr<uint64_t>{addr + i * 8}));
    if (!p) break;
    Result<std::string> s = t.mem().read_string(p, kMaxArgStrlen - 1);
    if (!s.ok()) return err(s.error() == ENAMETOOLONG ? E2BIG : s.error());
    total += s.value().size() + 1 + 8;
    if (total > (uint64_t{1} << 30)) return err(E2BIG);
    out.push_back(std::move(s.value()));
  }
  return out;
}

// de_thread(): every other thread of the group leaves before the image
// changes. Returns false if the group is being killed meanwhile.
bool end_other_threads(Task& t) {
  ThreadGroup& tg = t.tg();
  for (Task* o : tg.tasks) {
    if (o == &t) continue;
    o->exited = true;
    o->kick();
  }
  while (tg.tasks.size() > 1) {
    if (tg.exiting) return false;
    tg.thread_exit_wait.add(t);
    t.sleep(Deadline::never());
    tg.thread_exit_wait.remove(t);
  }
  return !tg.exiting;
}

// The point of no return: a fresh pico process replaces the old address
// space (which a vfork parent may still be using).
Result<void> replace_address_space(Task& t) {
  if (!end_other_threads(t)) return err(EINTR);
  ThreadGroup& tg = t.tg();
  // exec_mm_release(): the old image's robust futexes die with it, and a
  // vfork parent sharing the memory is woken through clear_child_tid.
  futex_exit_robust_list(t);
  if (tg.mm_ref().use_count() > 1) futex_exit_clear_child_tid(t);
  auto proc = TRY(t.kernel().host().create_process());
  auto mm = std::make_shared<Mm>(std::move(proc));
  if (tg.mm_ref().use_count() > 1) (void)t.thread().exit_thread();  // the other user keeps the process
  t.set_thread(mm->pico().main_thread());
  tg.set_mm(std::move(mm));
  return {};
}

void finish_exec(Task& t, const std::vector<std::string>& argv) {
  ThreadGroup& tg = t.tg();
  if (tg.fds_ref().use_count() > 1) tg.set_fds(std::make_shared<FdTable>(tg.fds()));
  tg.fds().close_on_exec();
  for (SigAction& act : tg.sigactions) {
    const bool ignored = act.handler == kSigIgn;
    act = SigAction{};
    if (ignored) act.handler = kSigIgn;
  }
  t.sas_ss_sp = 0;
  t.sas_ss_size = 0;
  t.sas_ss_flags = abi::kSsDisable;
  t.clear_child_tid = 0;
  t.robust_list = 0;
  timers_exec(tg);
  // Linux re-derives the saved and filesystem ids from the effective ones
  // at every exec (after exec_image applied a set-id file's owner/group).
  tg.suid = tg.fsuid = tg.euid;
  tg.sgid = tg.fsgid = tg.egid;
  tg.cmdline = argv;
  tg.did_exec = true;
  tg.release_vfork_parent();
  if (t.tid() != tg.pid()) t.kernel().retid(t, tg.pid());  // a thread that execs takes the leader's pid
  t.regs_replaced = true;
  t.restart_pending = false;
}

Result<long> do_execve(Task& t, const std::string& path, uint64_t argv_addr, uint64_t envp_addr) {
  std::vector<std::string> argv = TRY(read_string_array(t, argv_addr));
  std::vector<std::string> envp = TRY(read_string_array(t, envp_addr));
  if (std::optional<std::string> host = TRY(interop_host_path(t, path))) {
    // A host program: this process becomes its proxy (exec/Interop.h).
    bool gone = false;
    Result<void> r = exec_host_program(t, *host, argv, envp, [&]() -> Result<void> {
      gone = true;
      TRY(replace_address_space(t));
      finish_exec(t, argv);
      t.comm = path.substr(path.rfind('/') + 1).substr(0, 15);
      t.tg().exe_path = join_guest_path(t.tg().cwd, path);
      t.tg().environ = envp;
      return {};
    });
    if (!r.ok() && !gone) return err(r.error());
    if (!r.ok()) do_group_exit(t.tg(), kSigSegv);
    t.regs_replaced = true;
    return 0;
  }
  bool past_no_return = false;
  auto replace = [&](Task& task) {
    past_no_return = true;
    return replace_address_space(task);
  };
  Result<void> r = exec_image(t, ExecRequest{path, argv, envp}, replace);
  if (!r.ok()) {
    if (past_no_return) {
      // The old image is gone: nothing to return to (Linux: SIGSEGV).
      do_group_exit(t.tg(), kSigSegv);
      t.regs_replaced = true;
    }
    return err(r.error());
  }
  finish_exec(t, argv);
  return 0;
}

Result<long> sys_execve(Task& t, const SyscallArgs& a) {
  const std::string path = TRY(t.mem().read_string(a[0]));
  return do_execve(t, path, a[1], a[2]);
}

Result<long> sys_execveat(Task& t, const SyscallArgs& a) {
  const int dirfd = arg_int(a[0]);
  const int flags = arg_int(a[4]);
  if (flags & ~(kAtEmptyPath | kAtSymlinkNofollow)) return err(EINVAL);
  std::string path = TRY(t.mem().read_string(a[1]));
  if (path.empty() || path[0] != '/') {
    std::string base = t.tg().cwd;
    if (dirfd != kAtFdcwd) {
      OpenFileRef f = TRY(t.fds().get(dirfd));
      base = f->guest_path();
      if (path.empty()) {
        if (!(flags & kAtEmptyPath)) return err(ENOENT);
        path = base;
      } else if (!f->is_directory() && !f->is_path()) {
        return err(ENOTDIR);
      }
    } else if (path.empty()) {
      return err(ENOENT);
    }
    if (!path.empty() && path[0] != '/') path = join_guest_path(base, path);
  }
  return do_execve(t, path, a[2], a[3]);
}

}  // namespace

void register_execve(SyscallTable& t) {
  using A = Arg;
  t.add(59, "execve", Support::Full, sys_execve, {A::Path, A::Ptr, A::Ptr});
  t.add(322, "execveat", Support::Partial, sys_execveat, {A::DirFd, A::Path, A::Ptr, A::Ptr, A::Hex},
        "AT_EMPTY_PATH runs the file by the path it was opened with; AT_SYMLINK_NOFOLLOW is not checked");
}

}  // namespace lx
