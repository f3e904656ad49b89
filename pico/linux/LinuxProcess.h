// A pico process on the Linux host: a stub-only host process, its control
// block (mapped here too) and one mailbox per guest thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "pico/Host.h"
#include "pico/linux/LinuxHost.h"
#include "pico/linux/StubAbi.h"

namespace pico {

class LinuxProcess;

class LinuxThread final : public Thread {
 public:
  LinuxThread(LinuxProcess& proc, lx_mailbox* mb, pid_t host_tid, uint32_t seen);
  Event run() override;
  Registers& regs() override { return regs_; }
  void interrupt() override;
  Result<void> map_anonymous(uint64_t addr, uint64_t len, int prot) override;
  Result<void> unmap(uint64_t addr, uint64_t len) override;
  Result<void> protect(uint64_t addr, uint64_t len, int prot) override;
  Result<void> map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                        uint64_t offset) override;
  Result<Thread*> create_thread() override;

  // Runs one host syscall inside the guest process (allowlisted ones only).
  Result<long> host_syscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0,
                            long a4 = 0, long a5 = 0);
  // Waits for the next event from the stub; false if the process died.
  bool wait_event();
  lx_mailbox* mailbox() const { return mb_; }
  // Asks the stub to start a host thread on mailbox idx; returns its tid.
  Result<long> host_new_thread(size_t idx);

 private:
  void post(uint32_t cmd);
  Event exited_event() const;

  LinuxProcess& proc_;
  lx_mailbox* mb_;  // shared with (and writable by) the guest: read, don't trust
  pid_t host_tid_;
  uint32_t seen_;   // last to_provider value consumed
  Registers regs_{};
};

class LinuxProcess final : public Process {
 public:
  // Starts the stub and waits until it is ready.
  static Result<std::unique_ptr<LinuxProcess>> start(int stub_fd, const LinuxHostOptions& opts,
                                                     const std::vector<uint64_t>& filter);
  ~LinuxProcess() override;

  Thread& main_thread() override { return *threads_.front(); }
  Result<void> read_memory(uint64_t addr, void* dst, size_t len) override;
  Result<void> write_memory(uint64_t addr, const void* src, size_t len) override;
  size_t read_memory_partial(uint64_t addr, void* dst, size_t len) override;
  Result<void> residency(uint64_t addr, uint64_t pages, uint8_t* out) override;
  const std::vector<Range>& reserved() const override { return reserved_; }
  uint64_t vdso_base() const override { return vdso_; }
  void kill() override;

  pid_t pid() const { return pid_; }
  const LinuxHostOptions& options() const { return opts_; }
  // Non-blocking: reaps the host process if it has died.
  bool dead();
  bool known_dead() const { return dead_.load(std::memory_order_relaxed); }
  // Called by a stopped thread of this process to start another one.
  Result<Thread*> add_thread(LinuxThread& creator);
  int wait_status() const { return wait_status_; }
  // Queues host_fd for the stub's next LX_CMD_MAP_FD. Callers hold
  // map_mu() from here until that command finished, so that concurrent
  // mappings by several threads cannot take each other's fds.
  Result<void> send_fd(int host_fd);
  std::mutex& map_mu() { return map_mu_; }

 private:
  LinuxProcess(pid_t pid, void* ctl, int map_sock, const LinuxHostOptions& opts)
      : pid_(pid), ctl_(ctl), map_sock_(map_sock), opts_(opts) {}
  Result<void> read_layout();

  pid_t pid_;
  void* ctl_;
  int map_sock_;  // our end of the LX_MAP_FD socketpair
  std::mutex map_mu_;
  LinuxHostOptions opts_;
  std::atomic<bool> dead_{false};
  int wait_status_ = 0;
  uint64_t vdso_ = 0;
  std::vector<Range> reserved_;
  std::mutex threads_mu_;  // guards threads_ (threads are created from several provider threads)
  std::vector<std::unique_ptr<LinuxThread>> threads_;
};

}  // namespace pico
