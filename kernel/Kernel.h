// One Linux personality instance: its filesystem view, its processes and the
// loop that turns pico events into syscall handling.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kernel/Task.h"
#include "kernel/syscalls/Table.h"
#include "kernel/vfs/Vfs.h"
#include "pico/Host.h"

namespace lx {

struct KernelConfig {
  std::string uname_release = "6.1.0-lxcore";
  std::string uname_version = "#1 SMP lxcore";
  std::string hostname = "lxcore";
  FILE* trace = nullptr;  // strace-format syscall trace, or null
  uint32_t uid = 0, gid = 0;  // guest credentials (WSL's default: root)
  std::string cwd = "/";      // guest working directory of the first process
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

  Vfs& vfs() { return *vfs_; }
  const KernelConfig& config() const { return config_; }
  pico::Host& host() { return host_; }

  // Logs "unimplemented syscall NAME" once per syscall number.
  void log_unimplemented(uint64_t nr);

 private:
  // Handles one syscall event for task; returns false when the task is gone.
  void handle_syscall(Task& task, uint64_t nr);
  void raise_sigpipe(Task& task, uint64_t nr);
  void trace_syscall(Task& task, uint64_t nr, const SyscallArgs& args, long result);

  pico::Host& host_;
  std::unique_ptr<Vfs> vfs_;
  KernelConfig config_;
  std::mutex log_mu_;
  std::set<uint64_t> logged_unimplemented_;
  int next_pid_ = 1;
};

}  // namespace lx
