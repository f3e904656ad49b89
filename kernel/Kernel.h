// One Linux personality instance: its filesystem view, its processes and the
// loop that turns pico events into syscall handling.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kernel/Task.h"
#include "kernel/exec/PathMap.h"
#include "kernel/sched/Timers.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/Vfs.h"
#include "pico/Host.h"

namespace lx {

class UnixNames;

struct KernelConfig {
  std::string uname_release = "6.1.0-lxcore";
  std::string uname_version = "#1 SMP lxcore";
  std::string hostname = "lxcore";
  FILE* trace = nullptr;  // strace-format syscall trace, or null
  uint32_t uid = 0, gid = 0;  // guest credentials (WSL's default: root)
  std::vector<uint32_t> groups;  // the first process's supplementary groups
  std::string cwd = "/";      // guest working directory of the first process
  // Interop (kernel/exec/Interop.h): executables under these mounts (guest
  // mountpoint -> host directory) run as host programs. Empty: no interop.
  std::vector<PathMapping> interop_mounts;
  // Host directory shown as the guest's "/" (a distro's rootfs), for the
  // host cwd and LXENV paths of host programs; empty if none.
  std::string root_host_dir;
  // The environment host programs start from (lx's own), before LXENV.
  std::vector<std::string> host_environment;
};

class Kernel {
 public:
  Kernel(pico::Host& host, std::unique_ptr<Vfs> vfs, KernelConfig config);
  ~Kernel();

  // Runs PROG (a guest path) with argv/envp until its thread group exits.
  // Returns a shell-style status: exit code, or 128+signal if killed.
  // Errors loading the program come back as an errno (ENOENT, ENOEXEC, ...).
  // stdio: the open files installed as the guest's fds 0, 1, 2 (null: closed).
  Result<int> run_program(const std::string& path, const std::vector<std::string>& argv,
                          const std::vector<std::string>& envp, const std::vector<OpenFileRef>& stdio);

  // A signal that reached the provider from outside (thread-safe): SIGINT
  // and SIGQUIT go to init's process group, as a terminal would send them;
  // SIGTERM and SIGHUP end the whole instance.
  void external_signal(int sig);

  Vfs& vfs() { return *vfs_; }
  const KernelConfig& config() const { return config_; }
  pico::Host& host() { return host_; }

  // Logs "unimplemented syscall NAME" once per syscall number.
  void log_unimplemented(uint64_t nr);

  // ---- processes. Everything below requires big_lock() unless noted.
  // The one lock every syscall handler runs under (see sched/WaitQueue.h).
  std::mutex& big_lock() { return big_lock_; }
  ThreadGroup* find_group(int pid);
  Task* find_task(int tid);
  // A free pid/tid (Linux's allocation: increasing, wrapping at pid_max).
  Result<int> alloc_pid();
  // Takes ownership of a new thread group / task and registers them.
  ThreadGroup& adopt_group(std::unique_ptr<ThreadGroup> tg);
  Task& adopt_task(std::unique_ptr<Task> t);
  // Re-registers t under a new tid (execve by a non-leader thread).
  void retid(Task& t, int tid);
  // Starts the provider thread that runs task t from its current registers.
  void start_task(Task& t);
  // The instance's init (pid 1's group), or null once it is gone.
  ThreadGroup* init() { return init_; }
  const std::map<int, std::unique_ptr<ThreadGroup>>& groups() const { return groups_; }
  // Frees a reaped zombie and its pid.
  void release_group(ThreadGroup& tg);
  // Timers whose callbacks run with the big lock held (alarm, itimers,
  // timer_create, timerfd).
  Timers& timers() { return *timers_; }
  // AF_UNIX names bound in this instance (abstract namespace, socket
  // inodes); sockets share ownership so it outlives the last of them.
  const std::shared_ptr<UnixNames>& unix_names() { return unix_names_; }
  // Notified when a thread group becomes a zombie (run_program waits for init).
  std::condition_variable& group_exited() { return init_done_; }

  // Handles one syscall event for task (big lock held).
  void handle_syscall(Task& task, uint64_t nr);
  // Stores a syscall's result (or leaves it to deferred socket I/O).
  void finish_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long ret);
  // An armed pico::SocketIo reported back instead of ending the syscall.
  void finish_socket_io(Task& task, const pico::Event& ev);

 private:
  void raise_sigpipe(Task& task, uint64_t nr);
  void trace_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long result);
  // The provider thread of one task: resume, handle the event, repeat.
  void task_main(Task* t);
  void handle_fault(Task& t, const pico::Event& ev);
  void offer_syscall_site(Task& t, const pico::Event& ev);
  // A task's thread is done: exit bookkeeping, maybe the group's exit.
  void finish_task(Task& t);
  // Kills every process of the instance (init died or the run ends).
  void kill_all();
  // Whether a live guest process still has one of `files` open.
  bool holds_any(const std::vector<OpenFileRef>& files);

  pico::Host& host_;
  std::unique_ptr<Vfs> vfs_;
  KernelConfig config_;
  std::mutex log_mu_;
  std::set<uint64_t> logged_unimplemented_;

  std::mutex big_lock_;
  std::map<int, std::unique_ptr<ThreadGroup>> groups_;  // by pid, until reaped
  std::map<int, std::unique_ptr<Task>> tasks_;          // by tid, until the thread is done
  ThreadGroup* init_ = nullptr;
  int last_pid_ = 0;
  int live_threads_ = 0;  // provider threads still running
  std::condition_variable threads_done_;
  std::condition_variable init_done_;
  int external_kill_ = 0;  // SIGTERM/SIGHUP that ended the instance
  std::unique_ptr<Timers> timers_;
  std::shared_ptr<UnixNames> unix_names_;
};

}  // namespace lx
