// Processes and signals on the real Linux backend: fork_process (a
// copy-on-write child that is the provider's own host child), exit_thread
// (siblings go on, slots are reused) and the signal-frame FP state.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pico/linux/LinuxHost.h"
#include "pico/linux/LinuxProcess.h"

namespace {

constexpr uint64_t kCode = 0x10000000;
constexpr uint64_t kData = 0x20000000;
constexpr uint64_t kRw = pico::kProtRead | pico::kProtWrite;

using Code = std::vector<uint8_t>;

// Little assembler for the few instructions these guests use.
void add(Code& c, std::initializer_list<uint8_t> bytes) { c.insert(c.end(), bytes); }
void disp32(Code& c, uint64_t a) {
  for (int i = 0; i < 4; ++i) c.push_back(static_cast<uint8_t>(a >> (8 * i)));
}
void mov_eax(Code& c, uint32_t v) {
  c.push_back(0xb8);
  disp32(c, v);
}
void syscall_insn(Code& c) { add(c, {0x0f, 0x05}); }
void store_rax(Code& c, uint64_t a) { add(c, {0x48, 0x89, 0x04, 0x25}), disp32(c, a); }  // mov %rax, a
void load_rdi(Code& c, uint64_t a) { add(c, {0x48, 0x8b, 0x3c, 0x25}), disp32(c, a); }   // mov a, %rdi
void load_xmm0(Code& c, uint64_t a) { add(c, {0xf3, 0x0f, 0x6f, 0x04, 0x25}), disp32(c, a); }   // movdqu a, %xmm0
void store_xmm0(Code& c, uint64_t a) { add(c, {0xf3, 0x0f, 0x7f, 0x04, 0x25}), disp32(c, a); }  // movdqu %xmm0, a
void clear_xmm0(Code& c) { add(c, {0x66, 0x0f, 0xef, 0xc0}); }  // pxor %xmm0, %xmm0
void spin(Code& c) { add(c, {0xeb, 0xfe}); }                     // jmp .

struct Guest {
  std::unique_ptr<pico::LinuxHost> host;
  std::unique_ptr<pico::Process> proc;

  explicit Guest(const Code& code) {
    auto h = pico::LinuxHost::create();
    EXPECT_TRUE(h.ok());
    host = h.release_value();
    auto p = host->create_process();
    EXPECT_TRUE(p.ok()) << p.error();
    proc = p.release_value();
    auto& t = proc->main_thread();
    EXPECT_TRUE(t.map_anonymous(kCode, 0x1000, kRw).ok());
    EXPECT_TRUE(proc->write_memory(kCode, code.data(), code.size()).ok());
    EXPECT_TRUE(t.protect(kCode, 0x1000, pico::kProtRead | pico::kProtExec).ok());
    EXPECT_TRUE(t.map_anonymous(kData, 0x4000, kRw).ok());
    t.regs() = {};
    t.regs().rip = kCode;
  }
};

pid_t host_pid(pico::Process& p) { return dynamic_cast<pico::LinuxProcess&>(p).pid(); }

uint64_t read_u64(pico::Process& p, uint64_t addr) {
  uint64_t v = 0;
  EXPECT_TRUE(p.read_memory(addr, &v, sizeof v).ok());
  return v;
}

bool host_process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

long status_field(pid_t pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
  return -1;
}

// Stops at "fork" (57), stores the result at kData, loads it back and
// reports it with syscall 39, so each side shows which memory it sees.
Code fork_program() {
  Code c;
  mov_eax(c, 57);
  syscall_insn(c);
  store_rax(c, kData);
  load_rdi(c, kData);
  mov_eax(c, 39);
  syscall_insn(c);
  spin(c);
  return c;
}

TEST(LinuxHostFork, ChildMemoryIsACopyOnWriteCopy) {
  Guest g(fork_program());
  auto& parent = g.proc->main_thread();
  uint64_t before = 77;
  ASSERT_TRUE(g.proc->write_memory(kData + 8, &before, sizeof before).ok());
  pico::Event ev = parent.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  ASSERT_EQ(ev.syscall_nr, 57u);

  auto forked = parent.fork_process();
  ASSERT_TRUE(forked.ok()) << forked.error();
  std::unique_ptr<pico::Process> child = forked.release_value();
  auto& ct = child->main_thread();
  EXPECT_EQ(std::memcmp(&ct.regs(), &parent.regs(), sizeof(pico::Registers)), 0);
  EXPECT_EQ(child->reserved().size(), g.proc->reserved().size());
  EXPECT_EQ(child->vdso_base(), g.proc->vdso_base());
  EXPECT_EQ(child->fpstate_size(), g.proc->fpstate_size());
  EXPECT_EQ(read_u64(*child, kData + 8), 77u) << "the child sees the parent's memory at fork time";

  // Each side stores its own fork result in the same page and reads it back.
  ct.regs().rax = 0;
  ev = ct.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(ev.syscall_nr, 39u);
  EXPECT_EQ(ct.regs().rdi, 0u);
  parent.regs().rax = 1234;
  ev = parent.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(parent.regs().rdi, 1234u);
  EXPECT_EQ(read_u64(*child, kData), 0u);
  EXPECT_EQ(read_u64(*g.proc, kData), 1234u);
  // Provider-side writes are per process too.
  uint64_t v = 5;
  ASSERT_TRUE(child->write_memory(kData + 8, &v, sizeof v).ok());
  EXPECT_EQ(read_u64(*g.proc, kData + 8), 77u);
}

TEST(LinuxHostFork, SharedMappingsStayShared) {
  Guest g(fork_program());
  auto& parent = g.proc->main_thread();
  int fd = memfd_create("lx-fork-test", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 0x1000), 0);
  constexpr uint64_t kShared = kData + 0x10000;
  ASSERT_TRUE(parent.map_file(kShared, 0x1000, kRw, true, fd, 0).ok());
  close(fd);
  ASSERT_EQ(parent.run().kind, pico::EventKind::Syscall);
  auto child = parent.fork_process();
  ASSERT_TRUE(child.ok()) << child.error();
  uint64_t v = 0xabcdef;
  ASSERT_TRUE(child.value()->write_memory(kShared + 16, &v, sizeof v).ok());
  EXPECT_EQ(read_u64(*g.proc, kShared + 16), 0xabcdefu);
  v = 0x123;
  ASSERT_TRUE(g.proc->write_memory(kShared + 24, &v, sizeof v).ok());
  EXPECT_EQ(read_u64(*child.value(), kShared + 24), 0x123u);
}

TEST(LinuxHostFork, ChildIsTheProvidersHostChildAndKillLeavesNoProcess) {
  Guest g(fork_program());
  auto& parent = g.proc->main_thread();
  ASSERT_EQ(parent.run().kind, pico::EventKind::Syscall);
  auto forked = parent.fork_process();
  ASSERT_TRUE(forked.ok()) << forked.error();
  std::unique_ptr<pico::Process> child = forked.release_value();
  const pid_t parent_pid = host_pid(*g.proc);
  const pid_t child_pid = host_pid(*child);
  EXPECT_NE(child_pid, parent_pid);
  EXPECT_EQ(status_field(child_pid, "PPid"), getpid());
  // The same, asked from inside the child: its host getppid is us.
  auto& ct = dynamic_cast<pico::LinuxThread&>(child->main_thread());
  auto ppid = ct.host_syscall(SYS_getppid);
  ASSERT_TRUE(ppid.ok()) << ppid.error();
  EXPECT_EQ(ppid.value(), getpid());
  // And it runs, traps and is killed independently of its parent.
  ASSERT_EQ(ct.run().kind, pico::EventKind::Syscall);
  child->kill();
  EXPECT_EQ(ct.run().kind, pico::EventKind::Exited);
  EXPECT_TRUE(host_process_gone(child_pid)) << "killed and reaped";
  parent.regs().rax = 1;
  ASSERT_EQ(parent.run().kind, pico::EventKind::Syscall) << "the parent lives on";
  g.proc->kill();
  EXPECT_TRUE(host_process_gone(parent_pid));
}

TEST(LinuxHostFork, ChildOfAChildAndKillingTheParentFirst) {
  Guest g(fork_program());
  auto& parent = g.proc->main_thread();
  ASSERT_EQ(parent.run().kind, pico::EventKind::Syscall);
  auto child = parent.fork_process();
  ASSERT_TRUE(child.ok()) << child.error();
  auto grandchild = child.value()->main_thread().fork_process();
  ASSERT_TRUE(grandchild.ok()) << grandchild.error();
  const pid_t gc_pid = host_pid(*grandchild.value());
  EXPECT_EQ(status_field(gc_pid, "PPid"), getpid()) << "every generation is the provider's child";
  g.proc->kill();
  auto& gt = grandchild.value()->main_thread();
  gt.regs().rax = 0;
  pico::Event ev = gt.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(gt.regs().rdi, 0u);
  grandchild.value().reset();
  child.value().reset();
  EXPECT_TRUE(host_process_gone(gc_pid));
}

TEST(LinuxHostFork, ForkOfAMultiThreadedProcessWhileASiblingRuns) {
  // Thread code at kCode + 0x100: spin forever (a sibling that keeps running).
  Code c = fork_program();
  c.resize(0x100, 0x90);
  spin(c);
  Guest g(c);
  auto& main = g.proc->main_thread();
  auto t1 = main.create_thread();
  ASSERT_TRUE(t1.ok());
  auto t2 = main.create_thread();
  ASSERT_TRUE(t2.ok());
  t1.value()->regs().rip = kCode + 0x100;
  std::atomic<int> spinner_event{-1};
  std::thread spinner([&] { spinner_event = static_cast<int>(t1.value()->run().kind); });

  // Fork from the third thread (slot 2): the child's only thread uses slot 2.
  pico::Thread* forker = t2.value();
  forker->regs().rip = kCode;
  ASSERT_EQ(forker->run().kind, pico::EventKind::Syscall);
  auto forked = forker->fork_process();
  ASSERT_TRUE(forked.ok()) << forked.error();
  std::unique_ptr<pico::Process> child = forked.release_value();
  auto& ct = dynamic_cast<pico::LinuxThread&>(child->main_thread());
  EXPECT_EQ(ct.slot(), dynamic_cast<pico::LinuxThread*>(forker)->slot());
  EXPECT_EQ(status_field(host_pid(*child), "Threads"), 1);
  ct.regs().rax = 0;
  pico::Event ev = ct.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(ct.regs().rdi, 0u);
  // The child can start threads of its own (in the free slots below and above).
  for (int i = 0; i < 3; ++i) {
    auto nt = ct.create_thread();
    ASSERT_TRUE(nt.ok()) << nt.error();
    nt.value()->regs().rip = kCode;
    ev = nt.value()->run();
    ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
    EXPECT_EQ(ev.syscall_nr, 57u);
  }
  EXPECT_EQ(status_field(host_pid(*child), "Threads"), 4);

  // The sibling in the parent kept running all along.
  EXPECT_EQ(spinner_event.load(), -1);
  t1.value()->interrupt();
  spinner.join();
  EXPECT_EQ(spinner_event.load(), static_cast<int>(pico::EventKind::Interrupt));
}

// ---- exit_thread -------------------------------------------------------------

TEST(LinuxHostExitThread, SiblingsKeepRunningAndRunReportsExited) {
  Code c;
  mov_eax(c, 39);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& main = g.proc->main_thread();
  auto t1 = main.create_thread();
  ASSERT_TRUE(t1.ok());
  auto t2 = main.create_thread();
  ASSERT_TRUE(t2.ok());
  t1.value()->regs().rip = kCode;
  t2.value()->regs().rip = kCode;
  ASSERT_EQ(t1.value()->run().kind, pico::EventKind::Syscall);
  // t2 runs (spins) on its own provider thread while t1 exits.
  std::atomic<int> t2_event{-1};
  t2.value()->regs().rip = kCode + 7;  // the spin
  std::thread runner([&] { t2_event = static_cast<int>(t2.value()->run().kind); });
  const pid_t pid = host_pid(*g.proc);
  ASSERT_TRUE(t1.value()->exit_thread().ok());
  EXPECT_EQ(t1.value()->run().kind, pico::EventKind::Exited);
  EXPECT_EQ(t1.value()->exit_thread().error(), ESRCH);
  EXPECT_EQ(status_field(pid, "Threads"), 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(t2_event.load(), -1) << "the sibling still runs";
  t2.value()->interrupt();
  runner.join();
  EXPECT_EQ(t2_event.load(), static_cast<int>(pico::EventKind::Interrupt));
  ASSERT_EQ(main.run().kind, pico::EventKind::Syscall);
}

TEST(LinuxHostExitThread, SlotsAreReusedSoThousandsOfThreadsCanComeAndGo) {
  Code c;
  mov_eax(c, 39);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& main = g.proc->main_thread();
  size_t max_slot = 0;
  for (int i = 0; i < 2000; ++i) {
    auto t = main.create_thread();
    ASSERT_TRUE(t.ok()) << "thread " << i << ": " << t.error();
    max_slot = std::max(max_slot, dynamic_cast<pico::LinuxThread*>(t.value())->slot());
    if (i % 100 == 0) {
      t.value()->regs().rip = kCode;
      ASSERT_EQ(t.value()->run().kind, pico::EventKind::Syscall);
    }
    ASSERT_TRUE(t.value()->exit_thread().ok());
  }
  EXPECT_EQ(max_slot, 1u);
  EXPECT_EQ(status_field(host_pid(*g.proc), "Threads"), 1);
  ASSERT_EQ(main.run().kind, pico::EventKind::Syscall);
}

TEST(LinuxHostExitThread, MainThreadCanExitWhileOthersGoOn) {
  Code c;
  mov_eax(c, 39);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& main = g.proc->main_thread();
  auto t = main.create_thread();
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(main.exit_thread().ok());
  EXPECT_EQ(main.run().kind, pico::EventKind::Exited);
  // The process and its memory stay reachable through the other thread...
  t.value()->regs().rip = kCode;
  ASSERT_EQ(t.value()->run().kind, pico::EventKind::Syscall);
  uint64_t v = 9;
  EXPECT_TRUE(g.proc->write_memory(kData, &v, sizeof v).ok());
  EXPECT_EQ(read_u64(*g.proc, kData), 9u);
  // ...and new threads do not take the leader's slot.
  auto t2 = t.value()->create_thread();
  ASSERT_TRUE(t2.ok());
  EXPECT_NE(t2.value(), &main);
  ASSERT_TRUE(t.value()->exit_thread().ok());
  t2.value()->regs().rip = kCode;
  ASSERT_EQ(t2.value()->run().kind, pico::EventKind::Syscall);
}

// ---- signal-frame FP state -----------------------------------------------------

uint32_t u32_at(const std::vector<uint8_t>& b, size_t off) {
  uint32_t v = 0;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

std::atomic<uint32_t> g_own_extended_size{0};
void record_frame(int, siginfo_t*, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  const auto* fx = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
  uint32_t magic = 0, size = 0;
  std::memcpy(&magic, fx + 464, 4);
  std::memcpy(&size, fx + 468, 4);
  g_own_extended_size = magic == 0x46505853 ? size : 512;
}

TEST(LinuxHostFpstate, SizeIsWhatTheHostPutsInASignalFrame) {
  struct sigaction sa {}, old {};
  sa.sa_sigaction = record_frame;
  sa.sa_flags = SA_SIGINFO;
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &old), 0);
  raise(SIGUSR2);
  sigaction(SIGUSR2, &old, nullptr);
  Guest g({0xf4});
  EXPECT_EQ(g.proc->fpstate_size(), g_own_extended_size.load());
}

constexpr uint64_t kValue = kData + 0x100;  // 16 bytes loaded into xmm0
constexpr uint64_t kOut = kData + 0x200;    // where the guest stores xmm0
constexpr uint64_t kArea = kData + 0x1000;  // 64-byte aligned fpstate area

const uint8_t kPattern[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

TEST(LinuxHostFpstate, SaveAndRestoreRoundTripAnXmmRegisterAcrossAClobber) {
  Code c;
  load_xmm0(c, kValue);
  mov_eax(c, 1000);
  syscall_insn(c);  // provider saves
  clear_xmm0(c);
  mov_eax(c, 1001);
  syscall_insn(c);  // provider restores
  store_xmm0(c, kOut);
  mov_eax(c, 1002);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& t = g.proc->main_thread();
  ASSERT_TRUE(g.proc->write_memory(kValue, kPattern, sizeof kPattern).ok());
  ASSERT_EQ(t.run().syscall_nr, 1000u);
  ASSERT_TRUE(t.save_fpstate(kArea).ok());
  EXPECT_EQ(t.save_fpstate(kArea + 8).error(), EINVAL) << "the area is 64-byte aligned";
  std::vector<uint8_t> area(g.proc->fpstate_size());
  ASSERT_TRUE(g.proc->read_memory(kArea, area.data(), area.size()).ok());
  EXPECT_EQ(std::memcmp(area.data() + 160, kPattern, 16), 0) << "xmm0 in the FXSAVE area";
  if (area.size() > 512) {
    EXPECT_EQ(u32_at(area, 464), 0x46505853u);
    EXPECT_EQ(u32_at(area, 468), area.size());
    EXPECT_EQ(u32_at(area, area.size() - 4), 0x46505845u);
  }
  ASSERT_EQ(t.run().syscall_nr, 1001u);
  ASSERT_TRUE(t.restore_fpstate(kArea).ok());
  ASSERT_EQ(t.run().syscall_nr, 1002u);
  uint8_t out[16] = {};
  ASSERT_TRUE(g.proc->read_memory(kOut, out, sizeof out).ok());
  EXPECT_EQ(std::memcmp(out, kPattern, 16), 0);
}

TEST(LinuxHostFpstate, ResetGivesACleanStateAndFirstEntryHasAFrameToo) {
  Code c;
  load_xmm0(c, kValue);
  mov_eax(c, 1000);
  syscall_insn(c);  // provider resets
  store_xmm0(c, kOut);
  mov_eax(c, 1001);
  syscall_insn(c);
  const uint64_t third = kCode + c.size();
  store_xmm0(c, kOut + 16);
  mov_eax(c, 1002);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& t = g.proc->main_thread();
  ASSERT_TRUE(g.proc->write_memory(kValue, kPattern, sizeof kPattern).ok());
  ASSERT_EQ(t.run().syscall_nr, 1000u);
  ASSERT_TRUE(t.save_fpstate(kArea).ok());
  ASSERT_TRUE(t.reset_fpstate().ok());
  ASSERT_EQ(t.run().syscall_nr, 1001u);
  uint8_t out[16] = {1};
  ASSERT_TRUE(g.proc->read_memory(kOut, out, sizeof out).ok());
  EXPECT_EQ(std::memcmp(out, std::vector<uint8_t>(16, 0).data(), 16), 0);

  // A new thread, before it ever ran, takes a saved state on its first entry.
  auto nt = t.create_thread();
  ASSERT_TRUE(nt.ok());
  pico::Thread* second = nt.value();
  std::vector<uint8_t> fresh(g.proc->fpstate_size());
  ASSERT_TRUE(second->save_fpstate(kArea + 0x1000).ok());
  ASSERT_TRUE(g.proc->read_memory(kArea + 0x1000, fresh.data(), fresh.size()).ok());
  EXPECT_EQ(u32_at(fresh, 24), 0x1f80u) << "a fresh thread starts with the default MXCSR";
  ASSERT_TRUE(second->restore_fpstate(kArea).ok());
  second->regs().rip = third;
  ASSERT_EQ(second->run().syscall_nr, 1002u);
  ASSERT_TRUE(g.proc->read_memory(kOut + 16, out, sizeof out).ok());
  EXPECT_EQ(std::memcmp(out, kPattern, 16), 0);
}

TEST(LinuxHostFpstate, AGarbageAreaCanOnlyHurtTheGuest) {
  Code c;
  mov_eax(c, 1000);
  syscall_insn(c);
  mov_eax(c, 1001);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& t = g.proc->main_thread();
  ASSERT_EQ(t.run().syscall_nr, 1000u);
  std::vector<uint8_t> junk(g.proc->fpstate_size(), 0xff);
  ASSERT_TRUE(g.proc->write_memory(kArea, junk.data(), junk.size()).ok());
  ASSERT_TRUE(t.restore_fpstate(kArea).ok());
  // Linux's rt_sigreturn rejects it (reserved MXCSR bits): SIGSEGV.
  pico::Event ev = t.run();
  EXPECT_TRUE(ev.kind == pico::EventKind::Fault || ev.kind == pico::EventKind::Exited);
  if (ev.kind == pico::EventKind::Fault) {
    EXPECT_EQ(ev.signo, SIGSEGV);
  }
  // Unmapped addresses are EFAULT, for either direction.
  EXPECT_EQ(t.save_fpstate(0x1000).error(), EFAULT);
  EXPECT_EQ(t.restore_fpstate(0x1000).error(), EFAULT);
}

TEST(LinuxHostFpstate, ForkedChildKeepsTheFpState) {
  Code c;
  load_xmm0(c, kValue);
  mov_eax(c, 1000);
  syscall_insn(c);
  store_xmm0(c, kOut);
  mov_eax(c, 1001);
  syscall_insn(c);
  spin(c);
  Guest g(c);
  auto& t = g.proc->main_thread();
  ASSERT_TRUE(g.proc->write_memory(kValue, kPattern, sizeof kPattern).ok());
  ASSERT_EQ(t.run().syscall_nr, 1000u);
  auto child = t.fork_process();
  ASSERT_TRUE(child.ok()) << child.error();
  auto& ct = child.value()->main_thread();
  ASSERT_EQ(ct.run().syscall_nr, 1001u);
  uint8_t out[16] = {};
  ASSERT_TRUE(child.value()->read_memory(kOut, out, sizeof out).ok());
  EXPECT_EQ(std::memcmp(out, kPattern, 16), 0);
}

}  // namespace
