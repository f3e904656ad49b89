// An in-memory pico host for unit tests: a sparse page-granular address
// space with protections, and threads whose run() replays events a test
// queued. Nothing executes; the test plays the guest.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pico/Host.h"

namespace pico::fake {

constexpr uint64_t kFakePage = 4096;
// Where the fake's own "stub" lives: high, like the Linux backend's arena.
constexpr Range kDefaultReserved{0x7fe000000000ull, 0x7fe100000000ull};

// Sparse memory: regions carry protections, page contents exist only once
// written (unwritten pages read as zero).
class FakeMemory {
 public:
  Result<void> map(uint64_t addr, uint64_t len, int prot);  // replaces, like MAP_FIXED
  Result<void> unmap(uint64_t addr, uint64_t len);
  Result<void> protect(uint64_t addr, uint64_t len, int prot);  // ENOMEM on holes

  // Copies honouring protections (reads need R or W, writes need W); returns
  // the number of bytes copied before the first inaccessible byte.
  size_t read(uint64_t addr, void* dst, size_t len) const;
  size_t write(uint64_t addr, const void* src, size_t len);

  // Test access ignoring protections; -1 if unmapped.
  int prot_at(uint64_t addr) const;
  bool mapped(uint64_t addr) const { return prot_at(addr) >= 0; }
  std::vector<uint8_t> peek(uint64_t addr, size_t len) const;  // unmapped bytes read as 0
  void poke(uint64_t addr, const void* src, size_t len);  // ignores protections
  uint64_t peek_u64(uint64_t addr) const;
  std::string peek_string(uint64_t addr, size_t max = 4096) const;
  size_t region_count() const { return regions_.size(); }
  // A deep copy (what a fork's child gets: the fake has no shared mappings).
  FakeMemory clone() const;
  bool has_page(uint64_t page_addr) const { return page(page_addr) != nullptr; }

 private:
  struct Region {
    uint64_t end;
    int prot;
  };
  using Page = std::array<uint8_t, kFakePage>;
  void split(uint64_t addr);
  void drop_pages(uint64_t start, uint64_t end);
  const Page* page(uint64_t page_addr) const;
  Page& page_for_write(uint64_t page_addr);
  static Result<uint64_t> check(uint64_t addr, uint64_t len);

  std::map<uint64_t, Region> regions_;  // start -> region
  std::map<uint64_t, std::unique_ptr<Page>> pages_;
};

class FakeProcess;

class FakeThread final : public Thread {
 public:
  explicit FakeThread(FakeProcess& proc) : proc_(proc) {}

  Event run() override;
  Registers& regs() override { return regs_; }
  void interrupt() override { interrupted_ = true; }
  Result<void> map_anonymous(uint64_t addr, uint64_t len, int prot) override;
  Result<void> unmap(uint64_t addr, uint64_t len) override;
  Result<void> protect(uint64_t addr, uint64_t len, int prot) override;
  // A snapshot: the file's bytes are copied in at map time (nothing runs
  // that could observe later changes); every call is logged in file_maps.
  Result<void> map_file(uint64_t addr, uint64_t len, int prot, bool shared, int host_fd,
                        uint64_t offset) override;
  Result<Thread*> create_thread() override;
  // The child (a FakeProcess) gets a deep copy of the memory, the reserved
  // ranges, vDSO and fpstate size, and one thread with this one's regs and
  // FP state. Shared mappings are not modelled: they are copied too.
  Result<std::unique_ptr<Process>> fork_process() override;
  // Marks the thread exited: run() returns Exited, other calls ESRCH.
  Result<void> exit_thread() override;
  // The FP state is fp_state(): fpstate_size() bytes, zero at start and
  // after reset_fpstate; save writes it to guest memory, restore reads it.
  Result<void> save_fpstate(uint64_t guest_addr) override;
  Result<void> restore_fpstate(uint64_t guest_addr) override;
  Result<void> reset_fpstate() override;

  bool exited() const { return exited_; }
  std::vector<uint8_t>& fp_state() { return fp_; }
  FakeProcess& process() { return proc_; }

  struct FileMap {
    uint64_t addr, len;
    int prot;
    bool shared;
    uint64_t offset;
  };
  std::vector<FileMap> file_maps;

  // Script: run() returns these in order, then Exited(0) forever.
  void push_syscall(uint64_t nr, std::initializer_list<uint64_t> args = {});
  void push_fault(int signo, int si_code, uint64_t addr);
  void push_exit(int wait_status);
  // rax as the kernel left it after each scripted syscall, in order.
  const std::vector<uint64_t>& syscall_results() const { return results_; }

  // Failure injection: the next host memory operation of that kind fails.
  int fail_next_map = 0, fail_next_unmap = 0, fail_next_protect = 0;
  int map_calls = 0, unmap_calls = 0, protect_calls = 0;
  // The same for fork_process, create_thread and the fpstate operations.
  int fail_next_fork = 0, fail_next_create_thread = 0, fail_next_fpstate = 0;
  int fork_calls = 0, fpstate_calls = 0;

 private:
  struct Step {
    Event event;
    std::vector<uint64_t> args;
  };
  FakeProcess& proc_;
  Registers regs_{};
  std::deque<Step> script_;
  std::vector<uint64_t> results_;
  bool last_was_syscall_ = false;
  std::atomic<bool> interrupted_{false};
  bool exited_ = false;
  std::vector<uint8_t> fp_;
};

class FakeProcess final : public Process {
 public:
  explicit FakeProcess(std::vector<Range> reserved = {kDefaultReserved}, uint64_t vdso = 0);

  Thread& main_thread() override { return *threads_.front(); }
  FakeThread& fake_main_thread() { return *threads_.front(); }
  Result<void> read_memory(uint64_t addr, void* dst, size_t len) override;
  Result<void> write_memory(uint64_t addr, const void* src, size_t len) override;
  size_t read_memory_partial(uint64_t addr, void* dst, size_t len) override;
  // A page is resident once something was written to it.
  Result<void> residency(uint64_t addr, uint64_t pages, uint8_t* out) override;
  const std::vector<Range>& reserved() const override { return reserved_; }
  uint64_t vdso_base() const override { return vdso_; }
  uint64_t fpstate_size() const override { return fpstate_size_; }
  void kill() override { killed_ = true; }
  // Default: an AVX host's frame (832-byte XSAVE area + FP_XSTATE_MAGIC2).
  // Set before threads are created (each thread's area is sized at creation).
  void set_fpstate_size(uint64_t n) { fpstate_size_ = n; }

  FakeMemory& memory() { return memory_; }
  FakeThread& add_thread();
  size_t thread_count() const { return threads_.size(); }
  FakeThread& thread(size_t i) { return *threads_.at(i); }
  bool killed() const { return killed_; }
  // Host memory requests that touched a reserved range (a kernel bug: the
  // real backend would have clobbered its own stub).
  int reserved_violations = 0;
  bool touches_reserved(uint64_t addr, uint64_t len);

 private:
  std::vector<Range> reserved_;
  uint64_t vdso_;
  uint64_t fpstate_size_ = 836;
  FakeMemory memory_;
  std::vector<std::unique_ptr<FakeThread>> threads_;
  std::atomic<bool> killed_{false};
};

class FakeHost final : public Host {
 public:
  Result<std::unique_ptr<Process>> create_process() override;
  std::string name() const override { return "fake"; }
  // The process most recently created (owned by the caller), for scripting.
  FakeProcess* last_process() const { return last_; }

 private:
  FakeProcess* last_ = nullptr;
};

}  // namespace pico::fake
