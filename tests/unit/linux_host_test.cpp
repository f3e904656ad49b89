// The Linux backend on the real host: guest code runs natively, its syscalls
// come back as events, faults become fault events, memory is copied safely.
#include <signal.h>
#include <sys/syscall.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pico/linux/LinuxHost.h"

namespace {

constexpr uint64_t kCode = 0x10000000;

struct Guest {
  std::unique_ptr<pico::LinuxHost> host;
  std::unique_ptr<pico::Process> proc;

  explicit Guest(const std::vector<uint8_t>& code) {
    auto h = pico::LinuxHost::create();
    EXPECT_TRUE(h.ok());
    host = h.release_value();
    auto p = host->create_process();
    EXPECT_TRUE(p.ok()) << p.error();
    proc = p.release_value();
    auto& t = proc->main_thread();
    EXPECT_TRUE(t.map_anonymous(kCode, 0x1000, pico::kProtRead | pico::kProtWrite).ok());
    EXPECT_TRUE(proc->write_memory(kCode, code.data(), code.size()).ok());
    EXPECT_TRUE(t.protect(kCode, 0x1000, pico::kProtRead | pico::kProtExec).ok());
    t.regs() = {};
    t.regs().rip = kCode;
  }
};

TEST(LinuxHost, GuestSyscallsArriveAsEventsWithArgumentsAndResultsFlowBack) {
  // mov $39,%eax; mov $7,%edi; syscall; mov %rax,%rdi; mov $60,%eax; syscall
  Guest g({0xb8, 39, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05});
  auto& t = g.proc->main_thread();
  pico::Event ev = t.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(ev.syscall_nr, 39u);
  EXPECT_FALSE(ev.foreign_abi);
  EXPECT_EQ(t.regs().rdi, 7u);
  t.regs().rax = 4242;
  ev = t.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(ev.syscall_nr, 60u);
  EXPECT_EQ(t.regs().rdi, 4242u) << "the provider's result must be what the guest sees in rax";
}

TEST(LinuxHost, GuestFaultsBecomeFaultEventsWithAddress) {
  // mov 0x1234, %rax  (read from an unmapped address)
  Guest g({0x48, 0x8b, 0x04, 0x25, 0x34, 0x12, 0x00, 0x00});
  pico::Event ev = g.proc->main_thread().run();
  ASSERT_EQ(ev.kind, pico::EventKind::Fault);
  EXPECT_EQ(ev.signo, SIGSEGV);
  EXPECT_EQ(ev.fault_addr, 0x1234u);
  EXPECT_EQ(ev.si_code, SEGV_MAPERR);
}

TEST(LinuxHost, IllegalInstructionAndBreakpointAreReported) {
  Guest g({0xcc, 0x0f, 0x0b});  // int3; ud2
  auto& t = g.proc->main_thread();
  pico::Event ev = t.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Fault);
  EXPECT_EQ(ev.signo, SIGTRAP);
  ev = t.run();  // rip is past int3: continue into ud2
  ASSERT_EQ(ev.kind, pico::EventKind::Fault);
  EXPECT_EQ(ev.signo, SIGILL);
}

TEST(LinuxHost, Int80IsTrappedAsForeignAbiNotExecuted) {
  // mov $20,%eax (i386 getpid); int $0x80; mov $60,%eax; syscall
  Guest g({0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xb8, 60, 0, 0, 0, 0x0f, 0x05});
  auto& t = g.proc->main_thread();
  pico::Event ev = t.run();
  // Hosts built without IA32 emulation fault on int 0x80 instead; either
  // way the host never executes it.
  if (ev.kind == pico::EventKind::Fault) {
    EXPECT_EQ(ev.signo, SIGSEGV);
  } else {
    ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
    EXPECT_TRUE(ev.foreign_abi);
  }
}

TEST(LinuxHost, FsBaseSetByProviderIsVisibleToGuest) {
  // mov %fs:0, %rdi; mov $60,%eax; syscall
  Guest g({0x64, 0x48, 0x8b, 0x3c, 0x25, 0, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05});
  auto& t = g.proc->main_thread();
  uint64_t value = 0x1122334455667788ull;
  ASSERT_TRUE(t.map_anonymous(kCode + 0x1000, 0x1000, pico::kProtRead | pico::kProtWrite).ok());
  ASSERT_TRUE(g.proc->write_memory(kCode + 0x1000, &value, sizeof value).ok());
  t.regs().fs_base = kCode + 0x1000;
  pico::Event ev = t.run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(t.regs().rdi, value);
}

TEST(LinuxHost, MemoryCopiesToUnmappedAddressesFailCleanly) {
  Guest g({0xf4});
  char buf[16];
  EXPECT_EQ(g.proc->read_memory(0x1000, buf, sizeof buf).error(), EFAULT);
  EXPECT_EQ(g.proc->write_memory(0x1000, buf, sizeof buf).error(), EFAULT);
  // Straddling the end of a mapping: partial read stops at the boundary.
  EXPECT_EQ(g.proc->read_memory_partial(kCode + 0x1000 - 4, buf, sizeof buf), 4u);
}

TEST(LinuxHost, StubRangesAreReservedAndVdsoIsOffered) {
  Guest g({0xf4});
  EXPECT_NE(g.proc->vdso_base(), 0u);
  bool arena = false;
  for (const auto& r : g.proc->reserved()) arena |= r.contains(0x7fe000000000ull);
  EXPECT_TRUE(arena);
}

TEST(LinuxHost, KilledProcessReportsExited) {
  // jmp . (spin forever)
  Guest g({0xeb, 0xfe});
  auto& t = g.proc->main_thread();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    g.proc->kill();
  });
  pico::Event ev = t.run();
  killer.join();
  EXPECT_EQ(ev.kind, pico::EventKind::Exited);
}

TEST(LinuxHost, InterruptStopsARunningGuest) {
  Guest g({0xeb, 0xfe});
  auto& t = g.proc->main_thread();
  std::thread kicker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    t.interrupt();
  });
  pico::Event ev = t.run();
  kicker.join();
  EXPECT_EQ(ev.kind, pico::EventKind::Interrupt);
  EXPECT_EQ(t.regs().rip, kCode);
}

}  // namespace

namespace {

TEST(LinuxHost, ThreadsRunConcurrentlyAndEachReportsItsOwnSyscalls) {
  // Thread code: mov $39,%eax; syscall; mov %rax,%rdi; mov $60,%eax; syscall
  Guest g({0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05});
  auto& main = g.proc->main_thread();
  main.regs().fs_base = 0x1234000;
  auto created = main.create_thread();
  ASSERT_TRUE(created.ok()) << created.error();
  pico::Thread* second = created.value();
  EXPECT_EQ(second->regs().fs_base, 0u) << "a new thread's registers are the caller's to set";
  second->regs().rip = kCode;
  second->regs().fs_base = 0;

  // Both threads are driven by their own provider threads, as the kernel will.
  uint64_t exit_arg[2] = {};
  auto drive = [&](pico::Thread* t, uint64_t answer, int slot) {
    pico::Event ev = t->run();
    if (ev.kind != pico::EventKind::Syscall || ev.syscall_nr != 39) return;
    t->regs().rax = answer;
    ev = t->run();
    if (ev.kind == pico::EventKind::Syscall && ev.syscall_nr == 60) exit_arg[slot] = t->regs().rdi;
  };
  std::thread a(drive, &main, 111, 0);
  std::thread b(drive, second, 222, 1);
  a.join();
  b.join();
  EXPECT_EQ(exit_arg[0], 111u);
  EXPECT_EQ(exit_arg[1], 222u);
}

TEST(LinuxHost, NewThreadSharesTheAddressSpace) {
  // mov 0x10001000, %rdi (absolute load); mov $60,%eax; syscall
  Guest g({0x48, 0x8b, 0x3c, 0x25, 0x00, 0x10, 0x00, 0x10, 0xb8, 60, 0, 0, 0, 0x0f, 0x05});
  auto& main = g.proc->main_thread();
  auto created = main.create_thread();
  ASSERT_TRUE(created.ok());
  pico::Thread* second = created.value();
  // Mapped by the main thread after the second one started.
  ASSERT_TRUE(main.map_anonymous(kCode + 0x1000, 0x1000, pico::kProtRead | pico::kProtWrite).ok());
  uint64_t value = 77;
  ASSERT_TRUE(g.proc->write_memory(kCode + 0x1000, &value, sizeof value).ok());
  second->regs().rip = kCode;
  pico::Event ev = second->run();
  ASSERT_EQ(ev.kind, pico::EventKind::Syscall);
  EXPECT_EQ(second->regs().rdi, 77u);
}

}  // namespace
