// A pico process on the Linux host: a stub-only host process, its control
// block (mapped here too) and one mailbox per guest thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "pico/Host.h"
#include "pico/linux/CopyWindow.h"
#include "pico/linux/LentSockets.h"
#include "pico/linux/LinuxHost.h"
#include "pico/linux/StubAbi.h"

namespace pico {

class LinuxProcess;

// The signal-frame FP layout of this host (see Process::fpstate_size).
struct FpLayout {
  uint64_t xfeatures = 0;     // XCR0 minus dynamically enabled features (AMX tile data); 0: no XSAVE
  uint32_t xsave_size = 512;  // standard-format XSAVE size for xfeatures
  uint64_t frame_size() const { return xfeatures ? xsave_size + 4 : xsave_size; }
};
// Computed once from CPUID leaf 0xD and XCR0.
const FpLayout& host_fp_layout();
// The FP area of a clean FPU state, in signal-frame format.
std::vector<uint8_t> init_fpstate(const FpLayout& layout);

// A guest thread: one mailbox slot of the control block. The object lives as
// long as its process; after exit_thread the slot (and this object) may be
// handed out again by create_thread, so callers drop Thread* of exited threads.
class LinuxThread final : public Thread {
 public:
  LinuxThread(LinuxProcess& proc, size_t slot, pid_t host_tid, uint32_t seen, bool leader);
  Event run() override;
  Registers& regs() override { return regs_; }
  void interrupt() override;
  void note_blocking() override { mb_->provider_blocked = 1; }
  bool arm_socket_io(const SocketIo& io) override;
  void rewrite_syscall_site(uint64_t site, uint64_t nr, const std::function<bool()>& may_rewrite) override;
  void disarm_socket_io() override { io_armed_ = false; }
  Result<void> map_anonymous(uint64_t addr, uint64_t len, int prot) override;
  Result<void> unmap(uint64_t addr, uint64_t len) override;
  Result<void> protect(uint64_t addr, uint64_t len, int prot) override;
  Result<void> map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                        uint64_t offset) override;
  Result<Thread*> create_thread() override;
  Result<std::unique_ptr<Process>> fork_process() override;
  Result<void> exit_thread() override;
  Result<void> save_fpstate(uint64_t guest_addr) override;
  Result<void> restore_fpstate(uint64_t guest_addr) override;
  Result<void> reset_fpstate() override;

  // Runs one host syscall inside the guest process (allowlisted ones only).
  Result<long> host_syscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0,
                            long a4 = 0, long a5 = 0);
  // Posts a command and waits for its LX_EV_RESULT; ret < 0 is -errno.
  Result<long> call(uint32_t cmd);
  // Waits for the next event from the stub; false if the process died.
  bool wait_event() { return wait_event(proc_options_spin()); }
  bool wait_event(uint32_t first_spin_ns);
  lx_mailbox* mailbox() const { return mb_; }
  size_t slot() const { return slot_; }
  bool exited() const { return exited_.load(std::memory_order_acquire); }
  // The thread group leader parks instead of exiting (see LX_CMD_EXIT_THREAD),
  // so its slot is never reused.
  bool leader() const { return leader_; }
  // Rebinds an exited thread's object to a new host thread in the same slot.
  void reuse(pid_t host_tid, uint32_t seen);
  // Reports the new thread's tid; the caller waits for its READY.
  Result<long> host_new_thread(size_t idx);

 private:
  friend class LinuxProcess;
  void post(uint32_t cmd);
  uint32_t proc_options_spin() const;
  Event exited_event() const;
  Result<void> check_stopped() const;
  Result<uint64_t> frame_fpstate();
  void open_window();

  LinuxProcess& proc_;
  size_t slot_;
  lx_mailbox* mb_;  // shared with (and writable by) the guest: read, don't trust
  std::atomic<pid_t> host_tid_;  // recorded by the provider, never re-read from the mailbox
  uint32_t seen_;   // last to_provider value consumed
  bool leader_;
  std::atomic<bool> exited_{false};
  Registers regs_{};
  CopyWindow window_;  // open while a syscall of this thread is being handled
  bool window_fault_ = false;  // a flush of window_ failed: the syscall returns -EFAULT
  SocketIo io_;  // armed for the next run() (LX_CMD_RESUME_IO)
  bool io_armed_ = false;
};

class LinuxProcess final : public Process {
 public:
  // Starts the stub and waits until it is ready.
  static Result<std::unique_ptr<LinuxProcess>> start(int stub_fd, const LinuxHostOptions& opts,
                                                     const std::vector<uint64_t>& filter);
  ~LinuxProcess() override;

  Thread& main_thread() override { return *main_; }
  Result<void> read_memory(uint64_t addr, void* dst, size_t len) override;
  Result<void> write_memory(uint64_t addr, const void* src, size_t len) override;
  size_t read_memory_partial(uint64_t addr, void* dst, size_t len) override;
  Result<void> write_memory_deferred(uint64_t addr, const void* src, size_t len) override;
  Result<void> flush_writes() override;
  Result<void> residency(uint64_t addr, uint64_t pages, uint8_t* out) override;
  const std::vector<Range>& reserved() const override { return reserved_; }
  uint64_t vdso_base() const override { return vdso_; }
  uint64_t fpstate_size() const override { return fp_.frame_size(); }
  void kill() override;
  Result<ProcessUsage> usage() override;

  pid_t pid() const { return pid_; }
  void* control_block() const { return ctl_; }
  const LinuxHostOptions& options() const { return opts_; }
  const FpLayout& fp_layout() const { return fp_; }
  // Non-blocking: reaps the host process if it has died.
  bool dead();
  bool known_dead() const { return dead_.load(std::memory_order_acquire); }
  // Called by a stopped thread of this process to start another one.
  Result<Thread*> add_thread(LinuxThread& creator);
  // Counts a trap at `site` and patches it on the second (StubAbi.h).
  void rewrite_site(uint64_t site, uint64_t nr, const std::function<bool()>& may_rewrite);
  // Called by a stopped thread of this process to fork it (LX_CMD_FORK).
  Result<std::unique_ptr<Process>> fork_from(LinuxThread& forker);
  int wait_status() const { return wait_status_.load(std::memory_order_acquire); }
  // Queues host fds for the stub's next LX_CMD_MAP_FD / LX_CMD_FORK. Callers
  // hold map_mu() from here until that command finished, so that concurrent
  // commands by several threads cannot take each other's fds.
  Result<void> send_fds(const int* fds, size_t n);
  Result<void> send_fd(int host_fd) { return send_fds(&host_fd, 1); }
  std::mutex& map_mu() { return map_mu_; }
  Result<int> lend_socket(Thread& via, int host_fd) override;
  void reclaim_socket(int fd) override { lent_.reclaim(fd); }
  void forget_syscall_sites() override;

 private:
  LinuxProcess(pid_t pid, void* ctl, int map_sock, const LinuxHostOptions& opts)
      : pid_(pid), serial_(next_serial()), ctl_(ctl), map_sock_(map_sock), opts_(opts), fp_(host_fp_layout()) {}
  friend class LinuxThread;
  Result<void> read_layout();
  static uint64_t next_serial();
  // The thread whose syscall the calling provider thread is handling, if it
  // belongs to this process and its copy window is open; else null.
  LinuxThread* window_thread() const;
  void flush_window(LinuxThread& t);
  // Flushes t's queued writes if any overlaps [addr, addr+len) (t may be null).
  void flush_overlapping(LinuxThread* t, uint64_t addr, size_t len);
  size_t read_direct(uint64_t addr, void* dst, size_t len);
  Result<void> write_direct(uint64_t addr, const void* src, size_t len);

  pid_t pid_;
  // Unique among all processes ever made here: a provider thread's "current
  // window" record names its process by address and serial, so a new
  // process at a freed one's address is never mistaken for it.
  uint64_t serial_;
  void* ctl_;
  int map_sock_;  // our end of the LX_MAP_FD socketpair
  std::mutex map_mu_;
  LinuxHostOptions opts_;
  FpLayout fp_;
  std::mutex wait_mu_;  // one waitpid at a time, so a reaped status is never lost to ECHILD
  std::atomic<bool> dead_{false};
  std::atomic<int> wait_status_{0};
  uint64_t vdso_ = 0;
  std::vector<Range> reserved_;
  std::mutex threads_mu_;  // guards slots_ (threads are created from several provider threads)
  // slots_[i] drives mailbox i; the stub finds its mailbox from its altstack.
  std::vector<std::unique_ptr<LinuxThread>> slots_;
  LinuxThread* main_ = nullptr;
  LentSockets lent_;
  // Patched syscall sites: traps seen per site (kSiteDone once patched or
  // refused), the next free thunk, and /proc/<pid>/mem, which may write
  // read-only private code (the copy-on-write a debugger's breakpoint makes).
  std::unordered_map<uint64_t, uint8_t> site_hits_;
  uint32_t next_thunk_ = 1;
  int mem_fd_ = -1;
};

}  // namespace pico
