// Tasks (threads) and thread groups (processes) of the Linux personality.
// A ThreadGroup owns the pico process (address space), the fd table, cwd and
// limits; a Task owns one pico thread and its per-thread state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel/base/UserMemory.h"
#include "kernel/mm/MemoryMap.h"
#include "kernel/vfs/FdTable.h"
#include "pico/Host.h"

namespace lx {

class Kernel;

struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
constexpr int kRlimitCount = 16;
constexpr uint64_t kRlimInfinity = ~0ull;

struct SigAction {  // struct kernel_sigaction layout, as rt_sigaction passes it
  uint64_t handler = 0;
  uint64_t flags = 0;
  uint64_t restorer = 0;
  uint64_t mask = 0;
};

class ThreadGroup {
 public:
  ThreadGroup(Kernel& kernel, std::unique_ptr<pico::Process> proc, int pid);

  Kernel& kernel() { return kernel_; }
  pico::Process& pico() { return *pico_; }
  GuestMemory& mem() { return mem_; }
  MemoryMap& mm() { return mm_; }
  FdTable& fds() { return fds_; }
  int pid() const { return pid_; }
  int ppid() const { return ppid_; }
  void set_ppid(int p) { ppid_ = p; }

  std::string cwd = "/";
  unsigned umask = 022;
  std::array<Rlimit, kRlimitCount> rlimits{};
  std::array<SigAction, 64> sigactions{};
  std::string exe_path;  // guest path of the running image

  // exit/exit_group handlers set these and return; the kernel's run loop
  // sees `exiting` after the handler and tears the group down.
  int pgid = 0;  // process group and session ids (0 until set at creation)
  int sid = 0;
  uint32_t personality = 0;  // PER_LINUX
  int dumpable = 1;
  bool child_subreaper = false;
  bool exiting = false;
  int exit_status = 0;  // wait status once exiting: (code & 0xff) << 8, or the signal number

 private:
  Kernel& kernel_;
  std::unique_ptr<pico::Process> pico_;
  GuestMemory mem_;
  MemoryMap mm_;
  FdTable fds_;
  int pid_;
  int ppid_ = 0;
};

class Task {
 public:
  Task(ThreadGroup& tg, pico::Thread& thread, int tid) : tg_(tg), thread_(thread), tid_(tid) {}

  ThreadGroup& tg() { return tg_; }
  Kernel& kernel() { return tg_.kernel(); }
  GuestMemory& mem() { return tg_.mem(); }
  FdTable& fds() { return tg_.fds(); }
  pico::Thread& thread() { return thread_; }
  pico::Registers& regs() { return thread_.regs(); }
  int tid() const { return tid_; }

  uint64_t sigmask = 0;
  uint64_t clear_child_tid = 0;
  uint64_t robust_list = 0;
  uint64_t sas_ss_sp = 0, sas_ss_size = 0;  // sigaltstack
  uint32_t sas_ss_flags = 2;                // SS_DISABLE
  std::string comm;                         // PR_SET_NAME / /proc/<pid>/comm
  int pdeath_signal = 0;
  bool no_new_privs = false;

 private:
  ThreadGroup& tg_;
  pico::Thread& thread_;
  int tid_;
};

}  // namespace lx
